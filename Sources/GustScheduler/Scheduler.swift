import Foundation
import GustCore
import GustRuntime
import GustStore
import Logging

/// Resolves an invocation to a function version, runs it on that version's pool, and records it.
public actor Scheduler: Invoker {
    let functions: any FunctionStore
    let recorder: InvocationRecorder
    let runtimes: [RuntimeFamily: any FunctionRuntime]
    let codeDirectory: @Sendable (FunctionConfiguration) -> String
    let settings: SchedulerSettings
    let logger: Logger
    private var pools: [String: InstancePool] = [:]
    private var cache = FunctionCache()

    public init(
        functions: any FunctionStore, recorder: InvocationRecorder, runtimes: [RuntimeFamily: any FunctionRuntime],
        codeDirectory: @escaping @Sendable (FunctionConfiguration) -> String, settings: SchedulerSettings, logger: Logger
    ) {
        self.functions = functions
        self.recorder = recorder
        self.runtimes = runtimes
        self.codeDirectory = codeDirectory
        self.settings = settings
        self.logger = logger
    }

    public func invoke(_ request: InvocationRequest) async throws(GustError) -> InvocationResponse {
        let target = try await resolve(request.functionName, qualifier: request.qualifier)
        let pool = try pool(for: target.function, maxInstances: target.maxInstances)
        let started = Date()
        let clock = ContinuousClock.now
        let context = InvocationContext(
            requestID: request.requestID, payload: request.payload,
            deadline: started.addingTimeInterval(Double(target.function.timeoutSeconds)),
            timeoutSeconds: target.function.timeoutSeconds,
            invokedFunctionARN: FunctionName.arn(request.functionName, qualifier: request.qualifier),
            clientContext: request.clientContext)
        let execution: InstancePool.Execution
        do {
            execution = try await pool.execute(context)
        } catch {
            if error.code == .tooManyRequests {
                recordThrottle(request, function: target.function, started: started)
            }
            throw error
        }
        let elapsed = ContinuousClock.now - clock
        var durationMs = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        if let initMs = execution.result.initDurationMs { durationMs = max(0, durationMs - initMs) }
        let result = execution.result
        var record = InvocationRecord(
            requestID: request.requestID, functionName: target.function.name, version: target.function.version,
            source: request.source, mode: request.mode, outcome: result.outcome, errorType: result.errorType,
            startTime: started, initDurationMs: result.initDurationMs, durationMs: durationMs,
            billedDurationMs: InvocationRecord.billed(durationMs: durationMs), memorySizeMB: target.function.memoryMB,
            maxMemoryUsedMB: result.maxMemoryUsedMB, instanceID: execution.instanceID, logs: "")
        var lines = [LambdaLogLines.start(requestID: request.requestID, version: target.function.version)]
        lines.append(contentsOf: result.logLines)
        lines.append(LambdaLogLines.end(requestID: request.requestID))
        lines.append(LambdaLogLines.report(record))
        record.logs = lines.joined(separator: "\n") + "\n"
        recorder.submit(record)
        return InvocationResponse(
            requestID: request.requestID, executedVersion: target.function.version, payload: result.payload,
            functionError: result.outcome == .success ? nil : "Unhandled", outcome: result.outcome, logs: record.logs)
    }

    private func recordThrottle(_ request: InvocationRequest, function: FunctionConfiguration, started: Date) {
        recorder.submit(
            InvocationRecord(
                requestID: request.requestID, functionName: function.name, version: function.version,
                source: request.source, mode: request.mode, outcome: .throttled,
                errorType: GustError.Code.tooManyRequests.rawValue, startTime: started, initDurationMs: nil,
                durationMs: 0, billedDurationMs: 0, memorySizeMB: function.memoryMB, maxMemoryUsedMB: nil,
                instanceID: nil, logs: ""))
    }

    struct Target {
        var function: FunctionConfiguration
        var maxInstances: Int
    }

    /// Name + qualifier → the version to run: `$LATEST`, a version number, or an alias (weighted).
    func resolve(_ name: String, qualifier: String?) async throws(GustError) -> Target {
        let snapshot = try await snapshot(name)
        let maxInstances = snapshot.reservedConcurrency ?? settings.defaultMaxInstances
        var version = qualifier ?? FunctionConfiguration.latest
        if version != FunctionConfiguration.latest, Int(version) == nil {
            guard let alias = try await cachedAlias(name, version) else {
                throw .notFound("Function not found: \(FunctionName.arn(name, qualifier: version))")
            }
            version = alias.pickVersion(roll: Double.random(in: 0..<1))
        }
        if version == FunctionConfiguration.latest { return Target(function: snapshot.latest, maxInstances: maxInstances) }
        if let cached = cache.versions["\(name):\(version)"] { return Target(function: cached, maxInstances: maxInstances) }
        guard let config = try await functions.version(name, version) else {
            throw .notFound("Function not found: \(FunctionName.arn(name, qualifier: version))")
        }
        cache.versions["\(name):\(version)"] = config
        return Target(function: config, maxInstances: maxInstances)
    }

    private func snapshot(_ name: String) async throws(GustError) -> FunctionCache.Snapshot {
        if let cached = cache.functions[name] { return cached }
        guard let latest = try await functions.latest(name) else {
            throw .notFound("Function not found: \(FunctionName.arn(name))")
        }
        let snapshot = FunctionCache.Snapshot(latest: latest, reservedConcurrency: try await functions.reservedConcurrency(name))
        cache.functions[name] = snapshot
        return snapshot
    }

    private func cachedAlias(_ name: String, _ alias: String) async throws(GustError) -> Alias? {
        if let cached = cache.aliases["\(name):\(alias)"] { return cached }
        let loaded = try await functions.alias(name, alias)
        if let loaded { cache.aliases["\(name):\(alias)"] = loaded }
        return loaded
    }

    private func pool(for function: FunctionConfiguration, maxInstances: Int) throws(GustError) -> InstancePool {
        let key = "\(function.name):\(function.version)"
        if let pool = pools[key], pool.function.revisionID == function.revisionID { return pool }
        if let old = pools[key] { Task { await old.retire() } }
        guard let family = function.family, let runtime = runtimes[family] else {
            throw .invalid("Runtime \(function.runtime) is not available on this node")
        }
        let pool = InstancePool(
            function: function, runtime: runtime, codeDirectory: codeDirectory(function), maxInstances: maxInstances,
            maxWaiters: settings.maxWaitersPerPool, logger: logger)
        pools[key] = pool
        return pool
    }

    /// Forgets what is cached about a function after a change through the API; with
    /// `retireInstances` its running instances stop too (code or configuration changed, or deleted).
    public func functionChanged(_ name: String, retireInstances: Bool) async {
        cache.forget(name)
        let affected = pools.filter { $0.key.hasPrefix("\(name):") }
        if retireInstances {
            for (key, pool) in affected {
                pools[key] = nil
                await pool.retire()
            }
        } else {
            let reserved = try? await functions.reservedConcurrency(name)
            for pool in affected.values { await pool.setMaxInstances(reserved ?? settings.defaultMaxInstances) }
        }
    }

    /// Stops idle instances past their keep-alive and forgets empty retired pools.
    public func reap(now: Date = Date()) async {
        for pool in pools.values {
            let keepAlive = pool.function.keepAliveSeconds.map(TimeInterval.init) ?? settings.defaultKeepAlive
            _ = await pool.reap(now: now, keepAlive: keepAlive)
        }
    }

    public func instanceCount(_ name: String) async -> Int {
        var count = 0
        for (key, pool) in pools where key.hasPrefix("\(name):") { count += await pool.instanceCount }
        return count
    }

    public func shutdown() async {
        for pool in pools.values { await pool.stopAll() }
        pools = [:]
    }
}

/// What the scheduler remembers between invocations so a warm call does not touch the store.
struct FunctionCache {
    struct Snapshot {
        var latest: FunctionConfiguration
        var reservedConcurrency: Int?
    }

    var functions: [String: Snapshot] = [:]
    var aliases: [String: Alias] = [:]
    var versions: [String: FunctionConfiguration] = [:]

    mutating func forget(_ name: String) {
        functions[name] = nil
        aliases = aliases.filter { !$0.key.hasPrefix("\(name):") }
        versions = versions.filter { !$0.key.hasPrefix("\(name):") }
    }
}
