import Foundation
import GustCore
import GustRuntime
import Logging

/// The instances of one function version. Runs `PoolStateMachine`'s decisions: starts instances,
/// parks requests over the cap, hands freed instances to waiters, stops what died or aged out.
actor InstancePool {
    let function: FunctionConfiguration
    let runtime: any FunctionRuntime
    let codeDirectory: String
    let logger: Logger
    private var machine: PoolStateMachine
    private var instances: [String: any FunctionInstance] = [:]
    private var waiting: [Int: CheckedContinuation<PoolStateMachine.Grant?, Never>] = [:]
    private var nextWaiter = 0
    private(set) var retired = false

    init(function: FunctionConfiguration, runtime: any FunctionRuntime, codeDirectory: String, maxInstances: Int, maxWaiters: Int, logger: Logger) {
        self.function = function
        self.runtime = runtime
        self.codeDirectory = codeDirectory
        self.logger = logger
        let prefix = "\(function.name)-\(function.version == FunctionConfiguration.latest ? "latest" : function.version)-\(function.revisionID.prefix(8))"
        self.machine = PoolStateMachine(maxInstances: maxInstances, maxWaiters: maxWaiters, idPrefix: prefix)
    }

    struct Execution: Sendable {
        var result: InstanceResult
        var instanceID: String
    }

    /// Runs one invocation on an instance of this pool.
    func execute(_ invocation: InvocationContext) async throws(GustError) -> Execution {
        nextWaiter += 1
        let waiter = nextWaiter
        let grant: PoolStateMachine.Grant
        switch machine.acquire(waiter: waiter) {
        case .proceed(let granted):
            grant = granted
        case .throttle:
            throw GustError(.tooManyRequests, "Rate Exceeded.")
        case .wait:
            let granted = await withCheckedContinuation { waiting[waiter] = $0 }
            guard let granted else { throw GustError(.tooManyRequests, "Rate Exceeded.") }
            grant = granted
        }

        let instance: any FunctionInstance
        switch grant {
        case .use(let id):
            guard let existing = instances[id] else {
                release(id, survives: false)
                throw .internalError("instance \(id) vanished")
            }
            instance = existing
        case .start(let id):
            do {
                instance = try await runtime.start(
                    InstanceSpec(instanceID: id, function: function, codeDirectory: codeDirectory))
            } catch {
                release(id, survives: false)
                throw error
            }
            instances[id] = instance
            machine.started(instanceID: id)
        }
        let result = await instance.invoke(invocation)
        release(instance.id, survives: result.outcome.instanceSurvives && !retired)
        return Execution(result: result, instanceID: instance.id)
    }

    private func release(_ id: String, survives: Bool) {
        if !survives, let instance = instances.removeValue(forKey: id) {
            Task { await instance.stop() }
        }
        switch machine.release(instanceID: id, survives: survives, now: Date()) {
        case .resume(let waiter, let grant):
            waiting.removeValue(forKey: waiter)?.resume(returning: grant)
        case .none:
            break
        }
    }

    /// Stops idle instances older than `keepAlive`; returns how many remain.
    func reap(now: Date, keepAlive: TimeInterval) async -> Int {
        for id in machine.expire(now: now, keepAlive: keepAlive) {
            if let instance = instances.removeValue(forKey: id) {
                logger.debug("keep-alive expired", metadata: ["instance": "\(id)"])
                await instance.stop()
            }
        }
        return machine.instances.count
    }

    func setMaxInstances(_ value: Int) {
        machine.maxInstances = value
    }

    /// Takes the pool out of service: idle instances stop now, busy ones when they finish, waiters
    /// are throttled.
    func retire() async {
        retired = true
        for (waiter, continuation) in waiting {
            _ = machine.cancel(waiter: waiter)
            continuation.resume(returning: nil)
        }
        waiting = [:]
        for id in machine.drainIdle() {
            if let instance = instances.removeValue(forKey: id) { await instance.stop() }
        }
    }

    /// Stops everything, busy or not (server shutdown).
    func stopAll() async {
        await retire()
        for instance in instances.values { await instance.stop() }
        instances = [:]
    }

    var instanceCount: Int { machine.instances.count }
}
