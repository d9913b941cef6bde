import Foundation
import GustCore
import GustRuntime
import Logging
import Synchronization

/// The instances of one function version. Runs `PoolStateMachine`'s decisions: starts instances,
/// parks requests over the cap, hands freed instances to waiters, stops what died or aged out.
/// State sits behind one lock rather than in an actor: taking and returning a warm instance are
/// then plain calls, not two hops onto an actor's executor per invocation.
final class InstancePool: Sendable {
    let function: FunctionConfiguration
    let runtime: any FunctionRuntime
    let codeDirectory: String
    let services: @Sendable (FunctionConfiguration) -> ServiceEnvironment
    let logger: Logger
    private let state: Mutex<State>

    private struct State {
        var machine: PoolStateMachine
        var instances: [String: any FunctionInstance] = [:]
        var waiting: [Int: CheckedContinuation<Admission, Never>] = [:]
        /// Admissions decided before their waiter registered its continuation (the decision to
        /// wait and the registration take the lock separately).
        var early: [Int: Admission] = [:]
        /// Stops in flight, removed as each finishes (so shutdown can wait for the rest).
        var stopping: [Int: Task<Void, Never>] = [:]
        var nextStop = 0
        var nextWaiter = 0
        var retired = false
    }

    enum Admission: Sendable {
        case granted(PoolStateMachine.Grant)
        case throttled
        /// The pool was retired while the request waited: resolve the function again.
        case retired
    }

    /// The pool stopped serving (its version changed); the caller should resolve again.
    struct Retired: Error {}

    init(
        function: FunctionConfiguration, runtime: any FunctionRuntime, codeDirectory: String,
        services: @escaping @Sendable (FunctionConfiguration) -> ServiceEnvironment = { _ in .none }, maxInstances: Int,
        maxWaiters: Int, logger: Logger
    ) {
        self.function = function
        self.runtime = runtime
        self.codeDirectory = codeDirectory
        self.services = services
        self.logger = logger
        let prefix = "\(function.name)-\(function.version == FunctionConfiguration.latest ? "latest" : function.version)-\(function.revisionID.prefix(8))"
        state = Mutex(State(machine: PoolStateMachine(maxInstances: maxInstances, maxWaiters: maxWaiters, idPrefix: prefix)))
    }

    struct Execution: Sendable {
        var result: InstanceResult
        var instanceID: String
    }

    /// Runs one invocation on an instance of this pool. Throws `Retired` when the caller must
    /// resolve the function again, `GustError` when throttled or the instance cannot start.
    /// `thread` is the caller's (`ThreadAffinity`): an idle instance there is taken first, and a
    /// new instance is asked to live there.
    func execute(_ invocation: InvocationContext, near thread: UInt?) async throws -> Execution {
        // An instance that died while idle is only found out when it refuses the invocation;
        // then the invocation runs on a fresh one instead.
        for _ in 0..<2 {
            let instance = try await acquire(near: thread)
            let result = await instance.invoke(invocation)
            if result.notStarted {
                release(instance.id, survives: false)
                continue
            }
            release(instance.id, survives: result.outcome.instanceSurvives)
            return Execution(result: result, instanceID: instance.id)
        }
        throw GustError.internalError("no instance of \(function.name) could take the invocation")
    }

    /// The warm path: when an instance is idle and nobody waits, runs the invocation on it and
    /// reports through `completion` without a task. Returns false, having done nothing, when the
    /// caller must take `execute` instead (no idle instance, a retired pool). `completion` gets
    /// nil when the instance turned out dead; the caller then runs `execute`.
    func executeIfWarm(
        _ invocation: InvocationContext, near thread: UInt?, completion: @escaping @Sendable (Execution?) -> Void
    ) -> Bool {
        let instance = state.withLock { state -> (any FunctionInstance)? in
            guard !state.retired, let id = state.machine.acquireIdle(near: thread) else { return nil }
            guard let instance = state.instances[id] else {
                // Cannot happen (the table and the machine change together); undo and go slow.
                _ = state.machine.release(instanceID: id, survives: false, now: Date())
                return nil
            }
            return instance
        }
        guard let instance else { return false }
        instance.invoke(invocation) { [self] result in
            if result.notStarted {
                release(instance.id, survives: false)
                completion(nil)
                return
            }
            release(instance.id, survives: result.outcome.instanceSurvives)
            completion(Execution(result: result, instanceID: instance.id))
        }
        return true
    }

    private enum Decision {
        case ready(any FunctionInstance)
        case start(String)
        case wait(Int)
        case throttled
        case retired
        case vanished(String)
    }

    private func acquire(near thread: UInt?) async throws -> any FunctionInstance {
        let decision = state.withLock { state -> Decision in
            guard !state.retired else { return .retired }
            state.nextWaiter += 1
            let waiter = state.nextWaiter
            switch state.machine.acquire(waiter: waiter, near: thread) {
            case .proceed(.use(let id)):
                guard let instance = state.instances[id] else { return .vanished(id) }
                return .ready(instance)
            case .proceed(.start(let id)):
                return .start(id)
            case .throttle:
                return .throttled
            case .wait:
                return .wait(waiter)
            }
        }
        switch decision {
        case .ready(let instance):
            return instance
        case .start(let id):
            return try await start(id, near: thread)
        case .throttled:
            throw GustError(.tooManyRequests, "Rate Exceeded.")
        case .retired:
            throw Retired()
        case .vanished(let id):
            release(id, survives: false)
            throw GustError.internalError("instance \(id) vanished")
        case .wait(let waiter):
            let admission = await withCheckedContinuation { continuation in
                let early = state.withLock { state -> Admission? in
                    if let early = state.early.removeValue(forKey: waiter) { return early }
                    state.waiting[waiter] = continuation
                    return nil
                }
                if let early { continuation.resume(returning: early) }
            }
            switch admission {
            case .throttled: throw GustError(.tooManyRequests, "Rate Exceeded.")
            case .retired: throw Retired()
            case .granted(.start(let id)): return try await start(id, near: thread)
            case .granted(.use(let id)):
                guard let instance = state.withLock({ $0.instances[id] }) else {
                    release(id, survives: false)
                    throw GustError.internalError("instance \(id) vanished")
                }
                return instance
            }
        }
    }

    private func start(_ id: String, near thread: UInt?) async throws -> any FunctionInstance {
        let instance: any FunctionInstance
        do {
            instance = try await runtime.start(
                InstanceSpec(
                    instanceID: id, function: function, codeDirectory: codeDirectory, thread: thread, services: services(function)))
        } catch {
            release(id, survives: false)
            throw error
        }
        state.withLock { state in
            state.instances[id] = instance
            state.machine.started(instanceID: id, thread: instance.thread)
        }
        return instance
    }

    private func release(_ id: String, survives: Bool) {
        let resumptions = state.withLock { state -> [(CheckedContinuation<Admission, Never>, Admission)] in
            // Decided under the lock: a pool retired in between must not park the instance as idle.
            let survives = survives && !state.retired
            if !survives, let instance = state.instances.removeValue(forKey: id) {
                stopInBackground(instance, &state)
            }
            return Self.take(state.machine.release(instanceID: id, survives: survives, now: Date()), &state)
        }
        for (continuation, admission) in resumptions { continuation.resume(returning: admission) }
    }

    private static func take(
        _ resumptions: PoolStateMachine.Resumptions, _ state: inout State
    ) -> [(CheckedContinuation<Admission, Never>, Admission)] {
        resumptions.compactMap { waiter, grant in
            let admission: Admission = grant.map { .granted($0) } ?? .throttled
            guard let continuation = state.waiting.removeValue(forKey: waiter) else {
                state.early[waiter] = admission
                return nil
            }
            return (continuation, admission)
        }
    }

    private func stopInBackground(_ instance: any FunctionInstance, _ state: inout State) {
        state.nextStop += 1
        let key = state.nextStop
        state.stopping[key] = Task { [weak self] in
            await instance.stop()
            _ = self?.state.withLock { $0.stopping.removeValue(forKey: key) }
        }
    }

    /// Stops idle instances older than `keepAlive`; returns how many remain.
    func reap(now: Date, keepAlive: TimeInterval) -> Int {
        state.withLock { state in
            for id in state.machine.expire(now: now, keepAlive: keepAlive) {
                if let instance = state.instances.removeValue(forKey: id) {
                    stopInBackground(instance, &state)
                }
            }
            return state.machine.instances.count
        }
    }

    func setMaxInstances(_ value: Int) {
        let resumptions = state.withLock { state -> [(CheckedContinuation<Admission, Never>, Admission)] in
            guard value != state.machine.maxInstances else { return [] }
            let change = state.machine.setMaxInstances(value)
            for id in change.stop {
                if let instance = state.instances.removeValue(forKey: id) { stopInBackground(instance, &state) }
            }
            return Self.take(change.resume, &state)
        }
        for (continuation, admission) in resumptions { continuation.resume(returning: admission) }
    }

    /// Takes the pool out of service: idle instances stop now, busy ones when they finish, and
    /// waiters go back to the scheduler to find the new pool.
    func retire() {
        let waiters = state.withLock { state -> [CheckedContinuation<Admission, Never>] in
            state.retired = true
            var waiters: [CheckedContinuation<Admission, Never>] = []
            for waiter in state.machine.removeAllWaiters() {
                if let continuation = state.waiting.removeValue(forKey: waiter) {
                    waiters.append(continuation)
                } else {
                    state.early[waiter] = .retired
                }
            }
            for id in state.machine.drainIdle() {
                if let instance = state.instances.removeValue(forKey: id) { stopInBackground(instance, &state) }
            }
            return waiters
        }
        for waiter in waiters { waiter.resume(returning: .retired) }
    }

    /// Stops everything, busy or not (server shutdown), and waits until it is stopped.
    func stopAll() async {
        retire()
        while let instance = state.withLock({ state -> (any FunctionInstance)? in
            guard let (id, instance) = state.instances.first else { return nil }
            state.instances[id] = nil
            return instance
        }) {
            await instance.stop()
        }
        let stopping = state.withLock { Array($0.stopping.values) }
        for task in stopping { await task.value }
    }
}
