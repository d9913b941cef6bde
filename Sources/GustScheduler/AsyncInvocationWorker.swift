import Foundation
import GustCore
import GustStore
import Logging
import ServiceLifecycle
import Synchronization

/// Runs `Event` invocations from the durable queue: claims due events, invokes them through the
/// scheduler, and completes, reschedules or dead-letters each by `RetryPolicy`. An event claimed by
/// a server that died is claimed again once its lease lapses (at start, every lease is released:
/// the embedded store has a single node).
public final class AsyncInvocationWorker: Service, Sendable {
    let queue: any AsyncEventQueue
    let invoker: any Invoker
    let policy: RetryPolicy
    let workers: Int
    let logger: Logger
    private let wakeUp: AsyncStream<Void>.Continuation
    private let wakeUps: AsyncStream<Void>
    /// An event's lease; long enough for the longest function timeout.
    static let lease: TimeInterval = 960

    public init(queue: any AsyncEventQueue, invoker: any Invoker, policy: RetryPolicy, workers: Int, logger: Logger) {
        self.queue = queue
        self.invoker = invoker
        self.policy = policy
        self.workers = workers
        self.logger = logger
        (wakeUps, wakeUp) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Called after an enqueue so that the event starts without waiting for the next poll.
    public func notify() { wakeUp.yield() }

    public func run() async throws {
        try? await queue.releaseLeases()
        let inFlight = InFlightEvents()
        let workers = self.workers
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                // A tick makes sure retries come due without anyone enqueuing.
                let ticker = Task { [wakeUp] in
                    while !Task.isCancelled {
                        try? await Task.sleep(for: .milliseconds(250))
                        wakeUp.yield()
                    }
                }
                for await _ in wakeUps {
                    while inFlight.count < workers {
                        let event: AsyncEvent
                        do {
                            guard let claimed = try await queue.claim(limit: 1, now: Date(), lease: Self.lease).first else { break }
                            event = claimed
                        } catch {
                            logger.error("cannot claim async events", metadata: ["error": "\(error)"])
                            break
                        }
                        // A lease that lapsed while the event still runs here (a long wait for an
                        // instance) must not start it a second time.
                        guard inFlight.insert(event.id) else { continue }
                        group.addTask { [self] in
                            await self.run(event)
                            inFlight.remove(event.id)
                            self.wakeUp.yield()
                        }
                    }
                }
                // Shutdown: stop ticking, let the events in flight finish and be completed.
                ticker.cancel()
            }
        } onGracefulShutdown: { [wakeUp] in
            wakeUp.finish()
        }
    }

    private func run(_ event: AsyncEvent) async {
        var attempts = event.attempts + 1
        let outcome: InvocationOutcome
        do {
            let response = try await invoker.invoke(
                InvocationRequest(
                    requestID: event.requestID, functionName: event.functionName, qualifier: event.qualifier,
                    payload: event.payload, mode: .async, source: "async"))
            outcome = response.outcome
        } catch {
            if error.code == .resourceNotFound {
                try? await queue.deadLetter(event.id, attempts: attempts, reason: error.message)
                return
            }
            outcome = error.code == .tooManyRequests ? .throttled : .crashed
        }
        // A throttle is not an attempt: the function never ran (Lambda retries those for hours).
        if outcome == .throttled { attempts -= 1 }
        do {
            switch policy.decide(outcome: outcome, attempts: attempts, enqueuedAt: event.enqueuedAt, now: Date()) {
            case .done:
                try await queue.complete(event.id)
            case .retry(let at):
                try await queue.reschedule(event.id, attempts: attempts, notBefore: at)
            case .deadLetter(let reason):
                logger.warning("async event gave up", metadata: ["request_id": "\(event.requestID)", "reason": "\(reason)"])
                try await queue.deadLetter(event.id, attempts: attempts, reason: reason)
            }
        } catch {
            logger.error("cannot update async event", metadata: ["request_id": "\(event.requestID)", "error": "\(error)"])
        }
    }
}

final class InFlightEvents: Sendable {
    private let ids = Mutex<Set<Int64>>([])
    var count: Int { ids.withLock { $0.count } }
    func insert(_ id: Int64) -> Bool { ids.withLock { $0.insert(id).inserted } }
    func remove(_ id: Int64) { _ = ids.withLock { $0.remove(id) } }
}
