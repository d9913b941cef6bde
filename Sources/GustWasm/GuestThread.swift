import Foundation
import Synchronization

/// One OS thread that runs an instance's work in order. A guest runs on the thread that calls
/// it until it returns or its deadline traps it, so guests get their own threads instead of
/// occupying Swift's cooperative pool or an event loop.
final class GuestThread: Sendable {
    private let jobs = Mutex<(queue: [@Sendable () -> Void], closed: Bool)>(([], false))
    private let wakeup = DispatchSemaphore(value: 0)
    /// Jobs queued and not yet taken, readable without the lock (for spinning).
    private let queued = Atomic<Int>(0)

    /// How long a thread that just finished a job watches for the next one before it sleeps.
    /// Waking a sleeping thread costs tens of microseconds on small VMs — more than a warm
    /// reactor call — so a function called back to back is served without that wake-up.
    static let spinNanoseconds: UInt64 = 100_000
    /// Only this many threads spin at once, so spinning never takes every core from the event
    /// loops.
    private static let maxSpinners = max(1, ProcessInfo.processInfo.activeProcessorCount - 1)
    private static let spinners = Atomic<Int>(0)

    init(name: String) {
        let thread = Thread { [self] in
            // The thread holds its GuestThread until `close`.
            while true {
                spinForWork()
                wakeup.wait()
                let next = jobs.withLock { jobs -> (@Sendable () -> Void)?? in
                    if jobs.queue.isEmpty { return jobs.closed ? .some(nil) : nil }
                    return jobs.queue.removeFirst()
                }
                switch next {
                case .some(.some(let job)):
                    queued.subtract(1, ordering: .relaxed)
                    job()
                case .some(.none): return
                case .none: continue
                }
            }
        }
        thread.name = name
        thread.stackSize = 8 << 20
        thread.start()
    }

    private func spinForWork() {
        guard queued.load(ordering: .relaxed) == 0 else { return }
        guard Self.spinners.add(1, ordering: .relaxed).newValue <= Self.maxSpinners else {
            Self.spinners.subtract(1, ordering: .relaxed)
            return
        }
        defer { Self.spinners.subtract(1, ordering: .relaxed) }
        let until = DispatchTime.now().uptimeNanoseconds + Self.spinNanoseconds
        // Yielding while spinning: when other threads (the event loops, under load) want this
        // core they get it, and the spin only uses time that would otherwise be idle.
        while queued.load(ordering: .relaxed) == 0, DispatchTime.now().uptimeNanoseconds < until {
            sched_yield()
        }
    }

    /// Queues work; false once the thread was closed.
    @discardableResult
    func run(_ job: @escaping @Sendable () -> Void) -> Bool {
        let accepted = jobs.withLock { jobs -> Bool in
            guard !jobs.closed else { return false }
            jobs.queue.append(job)
            return true
        }
        if accepted {
            queued.add(1, ordering: .relaxed)
            wakeup.signal()
        }
        return accepted
    }

    /// Lets the thread end once the queued work is done.
    func close() {
        jobs.withLock { $0.closed = true }
        wakeup.signal()
    }
}
