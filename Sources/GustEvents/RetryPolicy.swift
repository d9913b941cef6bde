import Foundation
import GustCore

/// When a failed async event runs again, as a pure function of its history (Lambda: two retries with
/// growing delays, within a maximum event age). A function's `EventInvokeConfig` narrows both.
public struct RetryPolicy: Sendable, Equatable {
    public var maxAttempts: Int
    public var baseDelay: TimeInterval
    public var maxEventAge: TimeInterval

    public init(maxAttempts: Int = 3, baseDelay: TimeInterval = 60, maxEventAge: TimeInterval = 6 * 3600) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxEventAge = maxEventAge
    }

    /// This policy with a function's own limits (`MaximumRetryAttempts`, `MaximumEventAgeInSeconds`).
    public func with(_ config: EventInvokeConfig?) -> RetryPolicy {
        var policy = self
        if let retries = config?.maximumRetryAttempts { policy.maxAttempts = retries + 1 }
        if let age = config?.maximumEventAgeSeconds { policy.maxEventAge = TimeInterval(age) }
        return policy
    }

    /// Why an event was given up on: Lambda's `requestContext.condition` in a destination record.
    public enum GiveUp: String, Sendable, Equatable {
        case retriesExhausted = "RetriesExhausted"
        case eventAgeExceeded = "EventAgeExceeded"
    }

    public enum Decision: Sendable, Equatable {
        case done
        case retry(at: Date)
        case deadLetter(GiveUp, reason: String)
    }

    /// Whether an event is too old to start at all (it waited out throttles or a stopped server).
    public func expired(enqueuedAt: Date, now: Date) -> Bool {
        now.timeIntervalSince(enqueuedAt) > maxEventAge
    }

    /// `attempts` counts the attempt that just ended.
    public func decide(outcome: InvocationOutcome, attempts: Int, enqueuedAt: Date, now: Date) -> Decision {
        guard outcome.isRetryable else { return .done }
        guard outcome == .throttled || attempts < maxAttempts else {
            return .deadLetter(.retriesExhausted, reason: "\(outcome.rawValue) after \(attempts) attempts")
        }
        let delay = outcome == .throttled ? baseDelay : baseDelay * pow(2, Double(max(attempts, 1) - 1))
        let next = now.addingTimeInterval(delay)
        guard next.timeIntervalSince(enqueuedAt) <= maxEventAge else {
            return .deadLetter(.eventAgeExceeded, reason: "\(outcome.rawValue); maximum event age exceeded")
        }
        return .retry(at: next)
    }
}
