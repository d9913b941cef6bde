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
        let inFlight = InFlightCounter()
        let workers = self.workers
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                // A tick makes sure retries come due without anyone enqueuing.
                group.addTask { [wakeUp] in
                    while !Task.isCancelled {
                        try? await Task.sleep(for: .milliseconds(250))
                        wakeUp.yield()
                    }
                }
                for await _ in wakeUps {
                    while inFlight.value < workers {
                        let event: AsyncEvent
                        do {
                            guard let claimed = try await queue.claim(limit: 1, now: Date(), lease: Self.lease).first else { break }
                            event = claimed
                        } catch {
                            logger.error("cannot claim async events", metadata: ["error": "\(error)"])
                            break
                        }
                        inFlight.add(1)
                        group.addTask { [self] in
                            await self.run(event)
                            inFlight.add(-1)
                            self.wakeUp.yield()
                        }
                    }
                }
                group.cancelAll()
            }
        } onGracefulShutdown: { [wakeUp] in
            wakeUp.finish()
        }
    }

    private func run(_ event: AsyncEvent) async {
        let attempts = event.attempts + 1
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

final class InFlightCounter: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func add(_ delta: Int) { count.withLock { $0 += delta } }
}
