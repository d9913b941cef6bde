import Foundation
import GustCore
import GustRuntime
import Logging

/// The instances of one function version. Runs `PoolStateMachine`'s decisions: starts instances,
/// parks requests over the cap, hands freed instances to waiters, stops what died or aged out.
actor InstancePool {
    nonisolated let function: FunctionConfiguration
    let runtime: any FunctionRuntime
    let codeDirectory: String
    let logger: Logger
    private var machine: PoolStateMachine
    private var instances: [String: any FunctionInstance] = [:]
    private var waiting: [Int: CheckedContinuation<Admission, Never>] = [:]
    private var stopping: [Task<Void, Never>] = []
    private var nextWaiter = 0
    private(set) var retired = false

    enum Admission {
        case granted(PoolStateMachine.Grant)
        case throttled
        /// The pool was retired while the request waited: resolve the function again.
        case retired
    }

    /// The pool stopped serving (its version changed); the caller should resolve again.
    struct Retired: Error {}

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

    /// Runs one invocation on an instance of this pool. Throws `Retired` when the caller must
    /// resolve the function again, `GustError` when throttled or the instance cannot start.
    func execute(_ invocation: InvocationContext) async throws -> Execution {
        // An instance that died while idle is only found out when it refuses the invocation;
        // then the invocation runs on a fresh one instead.
        for _ in 0..<2 {
            let instance = try await acquire()
            let result = await instance.invoke(invocation)
            if result.notStarted {
                release(instance.id, survives: false)
                continue
            }
            release(instance.id, survives: result.outcome.instanceSurvives && !retired)
            return Execution(result: result, instanceID: instance.id)
        }
        throw GustError.internalError("no instance of \(function.name) could take the invocation")
    }

    private func acquire() async throws -> any FunctionInstance {
        guard !retired else { throw Retired() }
        nextWaiter += 1
        let waiter = nextWaiter
        let grant: PoolStateMachine.Grant
        switch machine.acquire(waiter: waiter) {
        case .proceed(let granted):
            grant = granted
        case .throttle:
            throw GustError(.tooManyRequests, "Rate Exceeded.")
        case .wait:
            switch await withCheckedContinuation({ waiting[waiter] = $0 }) {
            case .granted(let granted): grant = granted
            case .throttled: throw GustError(.tooManyRequests, "Rate Exceeded.")
            case .retired: throw Retired()
            }
        }
        switch grant {
        case .use(let id):
            guard let existing = instances[id] else {
                release(id, survives: false)
                throw GustError.internalError("instance \(id) vanished")
            }
            return existing
        case .start(let id):
            let instance: any FunctionInstance
            do {
                instance = try await runtime.start(InstanceSpec(instanceID: id, function: function, codeDirectory: codeDirectory))
            } catch {
                release(id, survives: false)
                throw error
            }
            instances[id] = instance
            machine.started(instanceID: id)
            if retired {
                // Retired during the start: this invocation still runs, the instance stops after.
                logger.debug("instance started in a retired pool", metadata: ["instance": "\(id)"])
            }
            return instance
        }
    }

    private func release(_ id: String, survives: Bool) {
        if !survives, let instance = instances.removeValue(forKey: id) {
            stopInBackground(instance)
        }
        resume(machine.release(instanceID: id, survives: survives, now: Date()))
    }

    private func resume(_ resumptions: PoolStateMachine.Resumptions) {
        for (waiter, grant) in resumptions {
            waiting.removeValue(forKey: waiter)?.resume(returning: grant.map { .granted($0) } ?? .throttled)
        }
    }

    private func stopInBackground(_ instance: any FunctionInstance) {
        stopping.removeAll { $0.isCancelled }
        stopping.append(Task { await instance.stop() })
    }

    /// Stops idle instances older than `keepAlive`; returns how many remain.
    func reap(now: Date, keepAlive: TimeInterval) async -> Int {
        for id in machine.expire(now: now, keepAlive: keepAlive) {
            if let instance = instances.removeValue(forKey: id) {
                logger.debug("keep-alive expired", metadata: ["instance": "\(id)"])
                stopInBackground(instance)
            }
        }
        return machine.instances.count
    }

    func setMaxInstances(_ value: Int) {
        guard value != machine.maxInstances else { return }
        let change = machine.setMaxInstances(value)
        for id in change.stop {
            if let instance = instances.removeValue(forKey: id) { stopInBackground(instance) }
        }
        resume(change.resume)
    }

    /// Takes the pool out of service: idle instances stop now, busy ones when they finish, and
    /// waiters go back to the scheduler to find the new pool.
    func retire() {
        retired = true
        for waiter in machine.removeAllWaiters() {
            waiting.removeValue(forKey: waiter)?.resume(returning: .retired)
        }
        for id in machine.drainIdle() {
            if let instance = instances.removeValue(forKey: id) { stopInBackground(instance) }
        }
    }

    /// Stops everything, busy or not (server shutdown), and waits until it is stopped.
    func stopAll() async {
        retire()
        while let (id, instance) = instances.first {
            instances[id] = nil
            await instance.stop()
        }
        for task in stopping { await task.value }
        stopping = []
    }

    var instanceCount: Int { machine.instances.count }
}
