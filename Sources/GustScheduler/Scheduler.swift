import Foundation
import GustCore
import GustRuntime
import GustStore
import Logging
import Synchronization

/// Resolves an invocation to a function version, runs it on that version's pool, and records it.
public actor Scheduler: Invoker {
    let functions: any FunctionStore
    let recorder: InvocationRecorder
    let runtimes: [RuntimeFamily: any FunctionRuntime]
    let codeDirectory: @Sendable (FunctionConfiguration) -> String
    /// What a function's instances get to call Gust's services (`ServiceEnvironment`); asked
    /// when an instance starts, never on a warm invocation.
    let services: @Sendable (FunctionConfiguration) -> ServiceEnvironment
    let settings: SchedulerSettings
    let logger: Logger
    private var pools: [String: InstancePool] = [:]
    private var cache = FunctionCache()
    /// Resolved (function, qualifier) → pool for `$LATEST` and version numbers, readable without
    /// entering the actor: a warm invocation then never waits behind another function's slow path.
    /// Aliases are not kept here: each call picks a version by weight.
    private nonisolated let resolved = Mutex<[String: (Target, InstancePool)]>([:])

    public init(
        functions: any FunctionStore, recorder: InvocationRecorder, runtimes: [RuntimeFamily: any FunctionRuntime],
        codeDirectory: @escaping @Sendable (FunctionConfiguration) -> String,
        services: @escaping @Sendable (FunctionConfiguration) -> ServiceEnvironment = { _ in .none },
        settings: SchedulerSettings, logger: Logger
    ) {
        self.functions = functions
        self.recorder = recorder
        self.runtimes = runtimes
        self.codeDirectory = codeDirectory
        self.services = services
        self.settings = settings
        self.logger = logger
    }

    /// Nonisolated on purpose: only resolving the version and finding its pool touch the actor's
    /// state; running the invocation and building its record happen outside it, so invocations of
    /// different functions never queue behind each other here.
    public nonisolated func invoke(_ request: InvocationRequest) async throws(GustError) -> InvocationResponse {
        try await invoke(request, near: ThreadAffinity.current)
    }

    /// - Parameter thread: the caller's event loop (`ThreadAffinity`), which the task running
    ///   this may not be on.
    private nonisolated func invoke(_ request: InvocationRequest, near thread: UInt?) async throws(GustError) -> InvocationResponse {
        let started = Date()
        let clock = ContinuousClock.now
        var attempt = 0
        while true {
            attempt += 1
            let key = "\(request.functionName)\u{0}\(request.qualifier ?? "")"
            let target: Target
            let pool: InstancePool
            if let hit = resolved.withLock({ $0[key] }) {
                (target, pool) = hit
            } else {
                (target, pool) = try await poolFor(request.functionName, qualifier: request.qualifier)
            }
            let context = InvocationContext(
                requestID: request.requestID, payload: request.payload,
                deadline: started.addingTimeInterval(Double(target.function.timeoutSeconds)),
                timeoutSeconds: target.function.timeoutSeconds,
                invokedFunctionARN: target.arn, clientContext: request.clientContext)
            let execution: InstancePool.Execution
            do {
                execution = try await pool.execute(context, near: thread)
            } catch is InstancePool.Retired where attempt < 5 {
                // Never retry a retired pool from the fast-path table.
                resolved.withLock { entries in
                    if entries[key]?.1 === pool { entries[key] = nil }
                }
                continue  // the function changed while this request waited: run the new version
            } catch let error as GustError {
                if error.code == .tooManyRequests { recordThrottle(request, function: target.function, started: started) }
                throw error
            } catch {
                throw .internalError("invocation failed: \(error)")
            }
            return respond(request, target.function, execution, started: started, clock: clock)
        }
    }

    /// A warm call — the version already resolved, an instance idle — runs without a task;
    /// anything else takes `invoke`'s path.
    public nonisolated func invoke(
        _ request: InvocationRequest, completion: @escaping @Sendable (Result<InvocationResponse, GustError>) -> Void
    ) {
        let started = Date()
        let clock = ContinuousClock.now
        let key = "\(request.functionName)\u{0}\(request.qualifier ?? "")"
        if let (target, pool) = resolved.withLock({ $0[key] }) {
            let context = InvocationContext(
                requestID: request.requestID, payload: request.payload,
                deadline: started.addingTimeInterval(Double(target.function.timeoutSeconds)),
                timeoutSeconds: target.function.timeoutSeconds,
                invokedFunctionARN: target.arn, clientContext: request.clientContext)
            let caller = ThreadAffinity.current
            let warm = pool.executeIfWarm(context, near: caller) { [self] execution in
                if let execution {
                    completion(.success(respond(request, target.function, execution, started: started, clock: clock)))
                } else {
                    // The instance was dead; this runs on its thread, not the caller's.
                    invokeInTask(request, near: caller, completion: completion)
                }
            }
            if warm { return }
        }
        invokeInTask(request, near: ThreadAffinity.current, completion: completion)
    }

    private nonisolated func invokeInTask(
        _ request: InvocationRequest, near thread: UInt?,
        completion: @escaping @Sendable (Result<InvocationResponse, GustError>) -> Void
    ) {
        Task {
            do throws(GustError) {
                completion(.success(try await invoke(request, near: thread)))
            } catch {
                completion(.failure(error))
            }
        }
    }

    private nonisolated func respond(
        _ request: InvocationRequest, _ function: FunctionConfiguration, _ execution: InstancePool.Execution,
        started: Date, clock: ContinuousClock.Instant
    ) -> InvocationResponse {
        let elapsed = ContinuousClock.now - clock
        var durationMs = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        let result = execution.result
        if let initMs = result.initDurationMs { durationMs = max(0, durationMs - initMs) }
        var output = ""
        if !result.logLines.isEmpty {
            output.reserveCapacity(result.logLines.reduce(0) { $0 + $1.utf8.count + 1 })
            for line in result.logLines {
                output += line
                output += "\n"
            }
        }
        let record = InvocationRecord(
            requestID: request.requestID, functionName: function.name, version: function.version,
            source: request.source, mode: request.mode, outcome: result.outcome, errorType: result.errorType,
            startTime: started, initDurationMs: result.initDurationMs, durationMs: durationMs,
            billedDurationMs: InvocationRecord.billed(durationMs: durationMs), memorySizeMB: function.memoryMB,
            maxMemoryUsedMB: result.maxMemoryUsedMB, instanceID: execution.instanceID, output: output)
        recorder.submit(record)
        return InvocationResponse(
            requestID: request.requestID, executedVersion: function.version, payload: result.payload,
            functionError: result.outcome == .success ? nil : "Unhandled", outcome: result.outcome, record: record)
    }

    private func poolFor(_ name: String, qualifier: String?) async throws(GustError) -> (Target, InstancePool) {
        var generation = cache.generation(name)
        var target = try await resolve(name, qualifier: qualifier)
        // A change landed while the store was read: resolve again rather than install a pool for
        // a configuration that is already stale (it would retire the current one).
        for _ in 0..<3 where cache.generation(name) != generation {
            generation = cache.generation(name)
            target = try await resolve(name, qualifier: qualifier)
        }
        let pool = try pool(for: target.function, maxInstances: target.maxInstances)
        let isAlias = qualifier.map { $0 != FunctionConfiguration.latest && Int($0) == nil } ?? false
        if !isAlias, cache.generation(name) == generation {
            resolved.withLock { $0["\(name)\u{0}\(qualifier ?? "")"] = (target, pool) }
        }
        return (target, pool)
    }

    private nonisolated func recordThrottle(_ request: InvocationRequest, function: FunctionConfiguration, started: Date) {
        recorder.submit(
            InvocationRecord(
                requestID: request.requestID, functionName: function.name, version: function.version,
                source: request.source, mode: request.mode, outcome: .throttled,
                errorType: GustError.Code.tooManyRequests.rawValue, startTime: started, initDurationMs: nil,
                durationMs: 0, billedDurationMs: 0, memorySizeMB: function.memoryMB, maxMemoryUsedMB: nil,
                instanceID: nil, output: ""))
    }

    struct Target: Sendable {
        var function: FunctionConfiguration
        var maxInstances: Int
        var arn: String
    }

    /// Name + qualifier → the version to run: `$LATEST`, a version number, or an alias (weighted).
    func resolve(_ name: String, qualifier: String?) async throws(GustError) -> Target {
        let snapshot = try await snapshot(name)
        let maxInstances = snapshot.reservedConcurrency ?? settings.defaultMaxInstances
        let arn = qualifier == nil ? snapshot.arn : FunctionName.arn(name, qualifier: qualifier)
        var version = qualifier ?? FunctionConfiguration.latest
        if version != FunctionConfiguration.latest, Int(version) == nil {
            guard let alias = try await cachedAlias(name, version) else {
                throw .notFound("Function not found: \(FunctionName.arn(name, qualifier: version))")
            }
            version = alias.pickVersion(roll: Double.random(in: 0..<1))
        }
        if version == FunctionConfiguration.latest {
            return Target(function: snapshot.latest, maxInstances: maxInstances, arn: arn)
        }
        let key = "\(name):\(version)"
        if let cached = cache.versions[key] { return Target(function: cached, maxInstances: maxInstances, arn: arn) }
        let generation = cache.generation(name)
        guard let config = try await functions.version(name, version) else {
            throw .notFound("Function not found: \(FunctionName.arn(name, qualifier: version))")
        }
        if cache.generation(name) == generation { cache.versions[key] = config }
        return Target(function: config, maxInstances: maxInstances, arn: arn)
    }

    /// Loads what is not cached. A change that lands while the store is read (an `await`) bumps
    /// the function's generation, and the stale read is then used once but not cached.
    private func snapshot(_ name: String) async throws(GustError) -> FunctionCache.Snapshot {
        if let cached = cache.functions[name] { return cached }
        let generation = cache.generation(name)
        guard let latest = try await functions.latest(name) else {
            throw .notFound("Function not found: \(FunctionName.arn(name))")
        }
        let snapshot = FunctionCache.Snapshot(
            latest: latest, reservedConcurrency: try await functions.reservedConcurrency(name), arn: FunctionName.arn(name))
        if cache.generation(name) == generation { cache.functions[name] = snapshot }
        return snapshot
    }

    private func cachedAlias(_ name: String, _ alias: String) async throws(GustError) -> Alias? {
        if let cached = cache.aliases["\(name):\(alias)"] { return cached }
        let generation = cache.generation(name)
        let loaded = try await functions.alias(name, alias)
        if let loaded, cache.generation(name) == generation { cache.aliases["\(name):\(alias)"] = loaded }
        return loaded
    }

    private func pool(for function: FunctionConfiguration, maxInstances: Int) throws(GustError) -> InstancePool {
        let key = "\(function.name):\(function.version)"
        if let pool = pools[key], pool.function.revisionID == function.revisionID {
            pool.setMaxInstances(maxInstances)
            return pool
        }
        pools[key]?.retire()
        guard let family = function.family, let runtime = runtimes[family] else {
            throw .invalid("Runtime \(function.runtime) is not available on this node")
        }
        let pool = InstancePool(
            function: function, runtime: runtime, codeDirectory: codeDirectory(function), services: services,
            maxInstances: maxInstances,
            maxWaiters: settings.maxWaitersPerPool, logger: logger)
        pools[key] = pool
        return pool
    }

    public enum Change: Sendable {
        /// `$LATEST`'s code or configuration changed: its instances are replaced.
        case latest
        /// Aliases or reserved concurrency changed: instances stay, caps follow.
        case routing
        /// The function is gone.
        case deleted
    }

    /// Lets the function's runtime do its once-per-code work now that the code is deployed.
    /// Also resolves `$LATEST` and sets up its (empty) pool, so that the first invocation reads
    /// nothing from the store. No instance starts before an invocation asks for one; a wasm
    /// reactor gets a spare, instantiated but not initialized (GustWasm's `SpareGuests`).
    public nonisolated func prepare(_ function: FunctionConfiguration) async {
        guard let family = function.family, let runtime = runtimes[family] else { return }
        await runtime.prepare(function, codeDirectory: codeDirectory(function), services: services(function))
        _ = try? await poolFor(function.name, qualifier: nil)
    }

    /// Forgets what is cached about a function after a change through the API.
    public func functionChanged(_ name: String, _ change: Change) async {
        cache.forget(name)
        resolved.withLock { entries in
            entries = entries.filter { !$0.key.hasPrefix("\(name)\u{0}") }
        }
        let prefix = "\(name):"
        switch change {
        case .latest, .deleted:
            let keys = pools.keys.filter { change == .deleted ? $0.hasPrefix(prefix) : $0 == "\(name):\(FunctionConfiguration.latest)" }
            // Out of the table before any await, so a concurrent invoke starts a new pool that this
            // loop does not touch.
            let retiring = keys.compactMap { pools.removeValue(forKey: $0) }
            for pool in retiring { pool.retire() }
            if change == .deleted {
                for runtime in runtimes.values { await runtime.functionDeleted(name) }
            }
        case .routing:
            let generation = cache.generation(name)
            let reserved = try? await functions.reservedConcurrency(name)
            guard cache.generation(name) == generation else { return }  // a newer change handles it
            for (key, pool) in pools where key.hasPrefix(prefix) {
                pool.setMaxInstances(reserved ?? settings.defaultMaxInstances)
            }
        }
    }

    /// Stops idle instances past their keep-alive and forgets empty retired pools.
    public func reap(now: Date = Date()) async {
        for pool in pools.values {
            let keepAlive = pool.function.keepAliveSeconds.map(TimeInterval.init) ?? settings.defaultKeepAlive
            _ = pool.reap(now: now, keepAlive: keepAlive)
        }
    }

    public func shutdown() async {
        resolved.withLock { $0 = [:] }
        for pool in pools.values { await pool.stopAll() }
        pools = [:]
        for runtime in runtimes.values { await runtime.shutdown() }
    }
}

/// What the scheduler remembers between invocations so a warm call does not touch the store.
struct FunctionCache {
    struct Snapshot {
        var latest: FunctionConfiguration
        var reservedConcurrency: Int?
        var arn: String
    }

    var functions: [String: Snapshot] = [:]
    var aliases: [String: Alias] = [:]
    var versions: [String: FunctionConfiguration] = [:]
    private var generations: [String: Int] = [:]

    func generation(_ name: String) -> Int { generations[name, default: 0] }

    mutating func forget(_ name: String) {
        generations[name, default: 0] += 1
        functions[name] = nil
        aliases = aliases.filter { !$0.key.hasPrefix("\(name):") }
        versions = versions.filter { !$0.key.hasPrefix("\(name):") }
    }
}
