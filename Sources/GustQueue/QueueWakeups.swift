import Foundation
import Synchronization

/// In-process wake-ups for long polls: a send (or a delete that frees a FIFO group) signals its
/// queue, and every receive waiting on it runs again at once: no polling interval. Each queue
/// has a generation, read before a receive looks at the store, so a signal that lands between
/// that look and the wait is not lost. A clustered store would feed `signal` from its own
/// notifications (PostgreSQL `LISTEN`).
public final class QueueWakeups: Sendable {
    private struct State {
        var generations: [Int64: UInt64] = [:]
        var waiters: [Int64: [UInt64: CheckedContinuation<Void, Never>]] = [:]
        /// Waits ended (timer, cancellation) before their continuation was registered.
        var ended: Set<UInt64> = []
        var nextID: UInt64 = 0
        /// The server is stopping: waits end at once, so long polls do not hold up the drain.
        var stopped = false
    }

    private let state = Mutex(State())

    public init() {}

    public func generation(_ queueID: Int64) -> UInt64 {
        state.withLock { $0.generations[queueID, default: 0] }
    }

    public var isStopped: Bool { state.withLock { $0.stopped } }

    /// Ends every wait, now and later (graceful shutdown).
    public func stopWaiting() {
        let woken = state.withLock { state in
            state.stopped = true
            defer { state.waiters = [:] }
            return state.waiters.values.flatMap(\.values)
        }
        for waiter in woken { waiter.resume() }
    }

    public func signal(_ queueID: Int64) {
        let woken = state.withLock { state in
            state.generations[queueID, default: 0] &+= 1
            return state.waiters.removeValue(forKey: queueID).map { Array($0.values) } ?? []
        }
        for waiter in woken { waiter.resume() }
    }

    /// Returns when the queue is signalled after `generation`, at `deadline`, or on cancellation.
    public func wait(_ queueID: Int64, after generation: UInt64, until deadline: Date) async {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        let delay = deadline.timeIntervalSinceNow
        if delay <= 0 { return }
        let timer = Task { [self] in
            guard (try? await Task.sleep(for: .seconds(delay))) != nil else { return }
            end(queueID, id)
        }
        defer {
            timer.cancel()
            _ = state.withLock { $0.ended.remove(id) }
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if state.ended.remove(id) != nil || state.generations[queueID, default: 0] != generation
                        || state.stopped || Task.isCancelled
                    {
                        return true
                    }
                    state.waiters[queueID, default: [:]][id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            end(queueID, id)
        }
    }

    private func end(_ queueID: Int64, _ id: UInt64) {
        let waiter = state.withLock { state in
            if let waiter = state.waiters[queueID]?.removeValue(forKey: id) { return Optional(waiter) }
            state.ended.insert(id)
            return nil
        }
        waiter?.resume()
    }
}
