import Foundation
import Testing

@testable import GustEvents

@Suite struct RetryPolicyTests {
    let t0 = Date(timeIntervalSince1970: 2_000_000)
    let policy = RetryPolicy(maxAttempts: 3, baseDelay: 2, maxEventAge: 100)

    @Test func successIsDone() {
        #expect(policy.decide(outcome: .success, attempts: 1, enqueuedAt: t0, now: t0) == .done)
    }

    @Test func failuresBackOffExponentiallyThenDeadLetter() {
        #expect(policy.decide(outcome: .functionError, attempts: 1, enqueuedAt: t0, now: t0) == .retry(at: t0.addingTimeInterval(2)))
        #expect(policy.decide(outcome: .timeout, attempts: 2, enqueuedAt: t0, now: t0) == .retry(at: t0.addingTimeInterval(4)))
        guard case .deadLetter(.retriesExhausted, _) = policy.decide(outcome: .crashed, attempts: 3, enqueuedAt: t0, now: t0) else {
            Issue.record("third failure must dead-letter")
            return
        }
    }

    @Test func tooOldEventsAreDeadLettered() {
        let late = t0.addingTimeInterval(99)
        guard case .deadLetter(let condition, let reason) = policy.decide(outcome: .functionError, attempts: 1, enqueuedAt: t0, now: late) else {
            Issue.record("expected dead letter")
            return
        }
        #expect(reason.contains("age"))
        #expect(condition == .eventAgeExceeded)
        #expect(policy.expired(enqueuedAt: t0, now: t0.addingTimeInterval(101)))
        #expect(!policy.expired(enqueuedAt: t0, now: late))
    }

    @Test func aFunctionsConfigNarrowsThePolicy() {
        let config = EventInvokeConfig(functionName: "f", maximumRetryAttempts: 0, maximumEventAgeSeconds: 60)
        let narrowed = policy.with(config)
        #expect(narrowed.maxAttempts == 1)
        #expect(narrowed.maxEventAge == 60)
        #expect(narrowed.baseDelay == 2)
        guard case .deadLetter(.retriesExhausted, _) = narrowed.decide(outcome: .functionError, attempts: 1, enqueuedAt: t0, now: t0) else {
            Issue.record("no retries allowed")
            return
        }
        #expect(policy.with(nil) == policy)
    }

    @Test func throttlesRetryUntilTheMaximumAgeWithoutUsingAttempts() {
        #expect(policy.decide(outcome: .throttled, attempts: 3, enqueuedAt: t0, now: t0) == .retry(at: t0.addingTimeInterval(2)))
        guard case .deadLetter = policy.decide(outcome: .throttled, attempts: 0, enqueuedAt: t0, now: t0.addingTimeInterval(99)) else {
            Issue.record("an old throttled event must be dead-lettered")
            return
        }
    }
}
