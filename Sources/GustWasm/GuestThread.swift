import Foundation
import Synchronization

/// One OS thread that runs an instance's work in order. A guest runs on the thread that calls
/// it until it returns or its deadline traps it, so guests get their own threads instead of
/// occupying Swift's cooperative pool or an event loop.
final class GuestThread: Sendable {
    private let jobs = Mutex<(queue: [@Sendable () -> Void], closed: Bool)>(([], false))
    private let wakeup = DispatchSemaphore(value: 0)

    init(name: String) {
        let thread = Thread { [self] in
            // The thread holds its GuestThread until `close`.
            while true {
                wakeup.wait()
                let next = jobs.withLock { jobs -> (@Sendable () -> Void)?? in
                    if jobs.queue.isEmpty { return jobs.closed ? .some(nil) : nil }
                    return jobs.queue.removeFirst()
                }
                switch next {
                case .some(.some(let job)): job()
                case .some(.none): return
                case .none: continue
                }
            }
        }
        thread.name = name
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Queues work; false once the thread was closed.
    @discardableResult
    func run(_ job: @escaping @Sendable () -> Void) -> Bool {
        let queued = jobs.withLock { jobs -> Bool in
            guard !jobs.closed else { return false }
            jobs.queue.append(job)
            return true
        }
        if queued { wakeup.signal() }
        return queued
    }

    /// Lets the thread end once the queued work is done.
    func close() {
        jobs.withLock { $0.closed = true }
        wakeup.signal()
    }
}
