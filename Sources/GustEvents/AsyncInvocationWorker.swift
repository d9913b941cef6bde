import Foundation
import GustCore
import GustScheduler
import GustStore
import Logging
import ServiceLifecycle
import Synchronization

/// Runs `Event` invocations from the durable queue: claims due events, invokes them through the
/// scheduler, and completes, reschedules or dead-letters each by `RetryPolicy` narrowed by the
/// function's `EventInvokeConfig`, sending destination records and dead letters as it goes. Every
/// push source (Invoke with `Event` now; bucket notifications, schedules, IoT rules later) enqueues
/// here, so they all share this one policy. An event claimed by a server that died is claimed
/// again once its lease lapses (at start, every lease is released: the embedded store has a single
/// node).
public final class AsyncInvocationWorker: Service, Sendable {
    let queue: any AsyncEventQueue
    let invoker: any Invoker
    let policy: RetryPolicy
    let policies: AsyncPolicies?
    let destinations: AsyncDestinations?
    let workers: Int
    let logger: Logger
    private let wakeUp: AsyncStream<Void>.Continuation
    private let wakeUps: AsyncStream<Void>
    /// An event's lease; long enough for the longest function timeout.
    static let lease: TimeInterval = 960

    /// Without `policies` and `destinations`, every event gets `policy` and nothing is delivered.
    public init(
        queue: any AsyncEventQueue, invoker: any Invoker, policy: RetryPolicy, policies: AsyncPolicies? = nil,
        destinations: AsyncDestinations? = nil, workers: Int, logger: Logger
    ) {
        self.queue = queue
        self.invoker = invoker
        self.policy = policy
        self.policies = policies
        self.destinations = destinations
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
        let rules = await policies?.rules(for: event.functionName, qualifier: event.qualifier) ?? AsyncRules()
        let policy = self.policy.with(rules.config)
        var attempts = event.attempts
        var response: InvocationResponse?
        let decision: RetryPolicy.Decision
        if policy.expired(enqueuedAt: event.enqueuedAt, now: Date()) {
            decision = .deadLetter(.eventAgeExceeded, reason: "maximum event age exceeded before it could run")
        } else {
            attempts += 1
            let outcome: InvocationOutcome
            do {
                let answer = try await invoker.invoke(
                    InvocationRequest(
                        requestID: event.requestID, functionName: event.functionName, qualifier: event.qualifier,
                        payload: event.payload, mode: .async, source: event.source))
                response = answer
                outcome = answer.outcome
            } catch {
                if error.code == .resourceNotFound {
                    try? await queue.deadLetter(event.id, attempts: attempts, reason: error.message)
                    return
                }
                outcome = error.code == .tooManyRequests ? .throttled : .crashed
            }
            // A throttle is not an attempt: the function never ran (Lambda retries those for hours).
            if outcome == .throttled { attempts -= 1 }
            decision = policy.decide(outcome: outcome, attempts: attempts, enqueuedAt: event.enqueuedAt, now: Date())
        }
        do {
            switch decision {
            case .done:
                if let target = rules.config?.onSuccess {
                    await deliver(event, .success, attempts: attempts, response: response, to: target)
                }
                try await queue.complete(event.id)
            case .retry(let at):
                try await queue.reschedule(event.id, attempts: attempts, notBefore: at)
            case .deadLetter(let giveUp, let reason):
                logger.warning("async event gave up", metadata: ["request_id": "\(event.requestID)", "reason": "\(reason)"])
                if let target = rules.config?.onFailure {
                    let condition: DestinationRecord.Condition = giveUp == .retriesExhausted ? .retriesExhausted : .eventAgeExceeded
                    await deliver(event, condition, attempts: attempts, response: response, to: target)
                }
                if let target = rules.deadLetterTargetArn, let destinations {
                    do {
                        try await destinations.deadLetter(event, response: response, reason: reason, to: target)
                    } catch {
                        logger.error("cannot send to the dead-letter queue", metadata: ["request_id": "\(event.requestID)", "error": "\(error)"])
                    }
                }
                try await queue.deadLetter(event.id, attempts: attempts, reason: reason)
            }
        } catch {
            logger.error("cannot update async event", metadata: ["request_id": "\(event.requestID)", "error": "\(error)"])
        }
    }

    /// A failed delivery is logged and not retried: the event's own outcome stands (Lambda drops
    /// a record its destination refuses, too).
    private func deliver(
        _ event: AsyncEvent, _ condition: DestinationRecord.Condition, attempts: Int, response: InvocationResponse?, to target: String
    ) async {
        guard let destinations else { return }
        let record = DestinationRecord(
            requestID: event.requestID,
            functionArn: FunctionName.arn(event.functionName, qualifier: event.qualifier ?? FunctionConfiguration.latest),
            condition: condition, approximateInvokeCount: attempts, requestPayload: event.payload, response: response)
        do {
            try await destinations.deliver(record, to: target)
        } catch {
            logger.error("cannot deliver a destination record", metadata: ["request_id": "\(event.requestID)", "destination": "\(target)", "error": "\(error)"])
        }
    }
}

final class InFlightEvents: Sendable {
    private let ids = Mutex<Set<Int64>>([])
    var count: Int { ids.withLock { $0.count } }
    func insert(_ id: Int64) -> Bool { ids.withLock { $0.insert(id).inserted } }
    func remove(_ id: Int64) { _ = ids.withLock { $0.remove(id) } }
}
