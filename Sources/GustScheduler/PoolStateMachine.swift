import Foundation

/// The decisions of one version's instance pool, as a pure state machine: which instance serves a
/// request, when to start one, when a request waits or is throttled, and which idle instances have
/// outlived their keep-alive. `InstancePool` performs the actions.
public struct PoolStateMachine: Sendable {
    public enum InstanceState: Sendable, Equatable {
        /// Started for a request that is now running its cold start on it.
        case starting
        case idle(since: Date)
        case busy
    }

    /// What a request (or a waiter being resumed) may do.
    public enum Grant: Sendable, Equatable {
        case use(instanceID: String)
        case start(instanceID: String)
    }

    public enum AcquireAction: Sendable, Equatable {
        case proceed(Grant)
        case wait
        case throttle
    }

    public private(set) var instances: [String: InstanceState] = [:]
    public private(set) var waiters: [Int] = []
    /// Idle instances, the most recently idle last: taking the last is O(1); looking for one on
    /// the caller's thread walks the list only when the last is not (and never for wasm).
    private var idleOrder: [String] = []
    /// The thread each started instance lives on, when it has one (`ThreadAffinity`).
    private var threads: [String: UInt] = [:]
    public var maxInstances: Int
    public var maxWaiters: Int
    private var nextInstanceNumber = 0
    private let idPrefix: String

    public init(maxInstances: Int, maxWaiters: Int, idPrefix: String = "i") {
        self.maxInstances = maxInstances
        self.maxWaiters = maxWaiters
        self.idPrefix = idPrefix
    }

    /// A request arrives. The most recently idle instance is reused first, so that the rest can
    /// age out and the pool shrinks back after a burst; but an idle instance on the caller's
    /// `thread` comes first, so up to one idle instance per thread stays in use.
    public mutating func acquire(waiter: Int, near thread: UInt? = nil) -> AcquireAction {
        if let id = acquireIdle(near: thread) {
            return .proceed(.use(instanceID: id))
        }
        if waiters.isEmpty, instances.count < maxInstances {
            return .proceed(.start(instanceID: reserveNewInstance()))
        }
        guard maxInstances > 0, waiters.count < maxWaiters else { return .throttle }
        waiters.append(waiter)
        return .wait
    }

    /// Takes the most recently idle instance, when one is free and nobody waits; never starts
    /// an instance or queues (the warm path tries this first).
    public mutating func acquireIdle(near thread: UInt? = nil) -> String? {
        guard waiters.isEmpty, var index = idleOrder.indices.last else { return nil }
        // Instances without a thread (wasm) never match: no scan for them on the warm path.
        if let thread, !threads.isEmpty, threads[idleOrder[index]] != thread,
            let nearer = idleOrder.lastIndex(where: { threads[$0] == thread })
        {
            index = nearer
        }
        let id = idleOrder.remove(at: index)
        instances[id] = .busy
        return id
    }

    /// A waiting request gave up (cancelled); returns whether it was still waiting.
    public mutating func cancel(waiter: Int) -> Bool {
        guard let index = waiters.firstIndex(of: waiter) else { return false }
        waiters.remove(at: index)
        return true
    }

    public mutating func started(instanceID: String, thread: UInt? = nil) {
        guard instances[instanceID] == .starting else { return }
        instances[instanceID] = .busy
        threads[instanceID] = thread
    }

    /// Waiters to resume: with a grant, or `nil` when they are throttled.
    public typealias Resumptions = [(waiter: Int, grant: Grant?)]

    /// An invocation finished on an instance. `survives` is false when the instance died, was
    /// killed, or the pool is retiring it.
    public mutating func release(instanceID: String, survives: Bool, now: Date) -> Resumptions {
        guard instances[instanceID] != nil else { return [] }
        if survives {
            if !waiters.isEmpty {
                instances[instanceID] = .busy
                return [(waiters.removeFirst(), .use(instanceID: instanceID))]
            }
            instances[instanceID] = .idle(since: now)
            idleOrder.append(instanceID)
            return []
        }
        remove(instanceID)
        return reconcileWaiters()
    }

    /// Changes the cap: waiters get new instances up to it, or are throttled when nothing will
    /// ever serve them (cap 0 and no instance left); idle instances over the cap are returned to stop.
    public mutating func setMaxInstances(_ value: Int) -> (resume: Resumptions, stop: [String]) {
        maxInstances = value
        var stop: [String] = []
        let idle = instances.filter { $0.value.isIdle }.map(\.key).sorted()
        for id in idle where instances.count > maxInstances {
            remove(id)
            stop.append(id)
        }
        idleOrder.removeAll { instances[$0] == nil }
        return (reconcileWaiters(), stop)
    }

    /// An instance leaves the pool: its state and its thread go together.
    private mutating func remove(_ id: String) {
        instances[id] = nil
        threads[id] = nil
    }

    private mutating func reconcileWaiters() -> Resumptions {
        var resumed: Resumptions = []
        while !waiters.isEmpty, instances.count < maxInstances {
            resumed.append((waiters.removeFirst(), .start(instanceID: reserveNewInstance())))
        }
        if instances.isEmpty, maxInstances == 0 {
            resumed += waiters.map { ($0, nil) }
            waiters = []
        }
        return resumed
    }

    /// Throttles (or, for a retiring pool, releases) every waiter.
    public mutating func removeAllWaiters() -> [Int] {
        defer { waiters = [] }
        return waiters
    }

    /// Idle instances whose keep-alive ran out; they are removed from the pool.
    public mutating func expire(now: Date, keepAlive: TimeInterval) -> [String] {
        var expired: [String] = []
        for (id, state) in instances {
            if case .idle(let since) = state, now.timeIntervalSince(since) >= keepAlive {
                expired.append(id)
            }
        }
        for id in expired { remove(id) }
        if !expired.isEmpty { idleOrder.removeAll { instances[$0] == nil } }
        return expired.sorted()
    }

    /// Removes every idle instance (the pool is retired or the cap shrank); busy ones leave on release.
    public mutating func drainIdle() -> [String] {
        expire(now: .distantFuture, keepAlive: 0)
    }

    public var isEmpty: Bool { instances.isEmpty && waiters.isEmpty }

    private mutating func reserveNewInstance() -> String {
        nextInstanceNumber += 1
        let id = "\(idPrefix)-\(nextInstanceNumber)"
        instances[id] = .starting
        return id
    }
}

extension PoolStateMachine.InstanceState {
    var isIdle: Bool { if case .idle = self { true } else { false } }
}
