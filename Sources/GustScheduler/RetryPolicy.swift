import Foundation
import GustCore

/// When a failed async event runs again, as a pure function of its history (Lambda: two retries with
/// growing delays, within a maximum event age).
public struct RetryPolicy: Sendable, Equatable {
    public var maxAttempts: Int
    public var baseDelay: TimeInterval
    public var maxEventAge: TimeInterval

    public init(maxAttempts: Int = 3, baseDelay: TimeInterval = 60, maxEventAge: TimeInterval = 6 * 3600) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxEventAge = maxEventAge
    }

    public enum Decision: Sendable, Equatable {
        case done
        case retry(at: Date)
        case deadLetter(reason: String)
    }

    /// `attempts` counts the attempt that just ended.
    public func decide(outcome: InvocationOutcome, attempts: Int, enqueuedAt: Date, now: Date) -> Decision {
        guard outcome.isRetryable else { return .done }
        guard outcome == .throttled || attempts < maxAttempts else {
            return .deadLetter(reason: "\(outcome.rawValue) after \(attempts) attempts")
        }
        let delay = outcome == .throttled ? baseDelay : baseDelay * pow(2, Double(max(attempts, 1) - 1))
        let next = now.addingTimeInterval(delay)
        guard next.timeIntervalSince(enqueuedAt) <= maxEventAge else {
            return .deadLetter(reason: "\(outcome.rawValue); maximum event age exceeded")
        }
        return .retry(at: next)
    }
}
