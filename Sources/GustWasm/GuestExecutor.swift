// Hand-written: neither Dispatch nor Swift's executors replace a worker that a long guest call
// occupies (Dispatch on Linux grows its pool only around its own blocking calls), and a guest
// must never hold up other functions' calls beyond its own timeout.
import Foundation
import Synchronization

/// The threads that run wasm guests, shared by every instance of every function.
///
/// A guest runs on the thread that calls it until it returns or its deadline traps it, so guests
/// never run on Swift's cooperative pool or an event loop. One thread per instance, the earlier
/// design, woke a sleeping thread for nearly every call under load (dozens of instances, two
/// cores); here a worker that finishes a call takes the next queued one at once, and only as
/// many workers as cores run unless calls are stuck: when queued work sees no worker start a
/// call for `starvationNanoseconds`, another worker is added (it leaves once the queue is empty), so a
/// guest spinning until its timeout delays nobody else by more than about a millisecond.
final class GuestExecutor: Sendable {
    typealias Job = @Sendable () -> Void

    static let shared = GuestExecutor(baseWorkers: ProcessInfo.processInfo.activeProcessorCount)

    /// How long a worker that just finished a call watches for the next one before it sleeps:
    /// waking a sleeping thread costs tens of microseconds on small VMs, more than a warm call.
    static let spinNanoseconds: UInt64 = 50_000
    static let starvationNanoseconds: UInt64 = 1_000_000
    static let stackSize = 8 << 20

    private struct State {
        var queue: [Job] = []
        var head = 0
        /// Workers waiting on `wakeups`, and wake-ups already promised to them.
        var sleeping = 0
        var monitorSleeping = false

        var isEmpty: Bool { head == queue.count }

        mutating func take() -> Job? {
            guard head < queue.count else { return nil }
            let job = queue[head]
            head += 1
            if head == queue.count {
                queue.removeAll(keepingCapacity: true)
                head = 0
            } else if head >= 1024, head * 2 >= queue.count {
                queue.removeFirst(head)
                head = 0
            }
            return job
        }
    }

    private let state = Mutex(State())
    private let wakeups = DispatchSemaphore(value: 0)
    private let monitorWakeup = DispatchSemaphore(value: 0)
    /// Queued and not yet taken, readable without the lock (for spinning).
    private let queued = Atomic<Int>(0)
    private let spinners = Atomic<Int>(0)
    /// Calls started so far: the monitor's measure of progress.
    private let started = Atomic<UInt64>(0)
    private let baseWorkers: Int
    private let maxSpinners: Int

    init(baseWorkers: Int) {
        self.baseWorkers = max(1, baseWorkers)
        // Spinning never takes every core from the event loops.
        maxSpinners = max(1, self.baseWorkers - 1)
        for index in 0..<self.baseWorkers { spawn(name: "gust-wasm-\(index)", extra: false) }
        let monitor = Thread { [self] in monitorLoop() }
        monitor.name = "gust-wasm-monitor"
        monitor.start()
    }

    func submit(_ job: @escaping Job) {
        let (wakeWorker, wakeMonitor) = state.withLock { state -> (Bool, Bool) in
            state.queue.append(job)
            let waiting = queued.add(1, ordering: .relaxed).newValue
            var wakeWorker = false
            // A spinning worker takes the call without a wake-up; more calls than spinners wake
            // a sleeper each.
            if state.sleeping > 0, waiting > spinners.load(ordering: .relaxed) {
                state.sleeping -= 1
                wakeWorker = true
            }
            let wakeMonitor = state.monitorSleeping
            state.monitorSleeping = false
            return (wakeWorker, wakeMonitor)
        }
        if wakeWorker { wakeups.signal() }
        if wakeMonitor { monitorWakeup.signal() }
    }

    private func spawn(name: String, extra: Bool) {
        let thread = Thread { [self] in workerLoop(extra: extra) }
        thread.name = name
        thread.stackSize = Self.stackSize
        thread.start()
    }

    private func take() -> Job? {
        guard queued.load(ordering: .relaxed) > 0 else { return nil }
        return state.withLock { state in
            let job = state.take()
            if job != nil { queued.subtract(1, ordering: .relaxed) }
            return job
        }
    }

    private func workerLoop(extra: Bool) {
        while true {
            if extra {
                // An added worker serves only while calls queue up behind stuck ones: it leaves
                // as soon as the queue is empty, so that under normal load only `baseWorkers`
                // threads take turns on the cores.
                guard let job = take() else { return }
                started.add(1, ordering: .relaxed)
                job()
                continue
            }
            if let job = take() ?? spinForWork() {
                started.add(1, ordering: .relaxed)
                job()
                continue
            }
            let job = state.withLock { state -> Job?? in
                if let job = state.take() {
                    queued.subtract(1, ordering: .relaxed)
                    return .some(job)
                }
                state.sleeping += 1
                return .none
            }
            if let job {
                started.add(1, ordering: .relaxed)
                job?()
                continue
            }
            wakeups.wait()
        }
    }

    private func spinForWork() -> Job? {
        guard spinners.add(1, ordering: .relaxed).newValue <= maxSpinners else {
            spinners.subtract(1, ordering: .relaxed)
            return nil
        }
        defer { spinners.subtract(1, ordering: .relaxed) }
        let until = DispatchTime.now().uptimeNanoseconds + Self.spinNanoseconds
        // Yielding while spinning: when other threads (the event loops, under load) want this
        // core they get it, and the spin only uses time that would otherwise be idle.
        while DispatchTime.now().uptimeNanoseconds < until {
            if queued.load(ordering: .relaxed) > 0, let job = take() { return job }
            sched_yield()
        }
        return nil
    }

    /// Adds a worker whenever queued calls wait and no call has started for a while.
    private func monitorLoop() {
        var extras = 0
        while true {
            let idle = state.withLock { state -> Bool in
                if state.isEmpty {
                    state.monitorSleeping = true
                    return true
                }
                return false
            }
            if idle {
                monitorWakeup.wait()
                continue
            }
            let before = started.load(ordering: .relaxed)
            usleep(UInt32(Self.starvationNanoseconds / 1000))
            guard started.load(ordering: .relaxed) == before, queued.load(ordering: .relaxed) > 0 else { continue }
            // Starved: a sleeping worker if there is one, else a new one.
            let wake = state.withLock { state -> Bool in
                if state.sleeping > 0 {
                    state.sleeping -= 1
                    return true
                }
                return false
            }
            if wake {
                wakeups.signal()
            } else {
                extras += 1
                spawn(name: "gust-wasm-extra-\(extras)", extra: true)
            }
        }
    }
}

/// Runs one instance's work in order on the shared executor: its calls never overlap (a
/// WasmKit `Store` is not thread-safe), but they need not stay on one thread.
final class GuestLane: Sendable {
    private let executor: GuestExecutor
    private let state = Mutex<(pending: [GuestExecutor.Job], running: Bool, closed: Bool)>(([], false, false))

    init(executor: GuestExecutor = .shared) {
        self.executor = executor
    }

    /// Queues work; false once the lane was closed.
    @discardableResult
    func run(_ job: @escaping GuestExecutor.Job) -> Bool {
        let outcome = state.withLock { state -> Bool? in
            guard !state.closed else { return nil }
            if state.running {
                state.pending.append(job)
                return false
            }
            state.running = true
            return true
        }
        guard let startNow = outcome else { return false }
        if startNow { executor.submit { [self] in drain(job) } }
        return true
    }

    private func drain(_ first: @escaping GuestExecutor.Job) {
        var job = first
        while true {
            job()
            guard let next = state.withLock({ state -> GuestExecutor.Job? in
                guard !state.pending.isEmpty else {
                    state.running = false
                    return nil
                }
                return state.pending.removeFirst()
            }) else { return }
            job = next
        }
    }

    /// Refuses further work; what was queued still runs.
    func close() {
        state.withLock { $0.closed = true }
    }
}
