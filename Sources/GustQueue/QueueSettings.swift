import Foundation

/// A queue's settings, typed, with AWS's defaults for those not set.
public struct QueueSettings: Sendable, Equatable {
    public var delaySeconds: Int
    public var maximumMessageSize: Int
    public var retentionSeconds: Int
    public var receiveWaitSeconds: Int
    public var visibilitySeconds: Int
    public var redrive: RedrivePolicy?
    public var contentBasedDeduplication: Bool
    /// Deduplication per message group rather than per queue (`DeduplicationScope`).
    public var deduplicatesPerGroup: Bool

    /// AWS's defaults for the numeric attributes, read here and by GetQueueAttributes.
    public static let defaults = [
        "DelaySeconds": 0, "MaximumMessageSize": QueueAttributes.maxMessageBytes, "MessageRetentionPeriod": 345_600,
        "ReceiveMessageWaitTimeSeconds": 0, "VisibilityTimeout": 30,
    ]

    public init(_ attributes: [String: String]) {
        func number(_ name: String) -> Int { attributes[name].flatMap(Int.init) ?? Self.defaults[name]! }
        delaySeconds = number("DelaySeconds")
        maximumMessageSize = number("MaximumMessageSize")
        retentionSeconds = number("MessageRetentionPeriod")
        receiveWaitSeconds = number("ReceiveMessageWaitTimeSeconds")
        visibilitySeconds = number("VisibilityTimeout")
        redrive = attributes["RedrivePolicy"].flatMap { try? RedrivePolicy(parsing: $0) }
        contentBasedDeduplication = attributes["ContentBasedDeduplication"] == "true"
        deduplicatesPerGroup = attributes["DeduplicationScope"] == "messageGroup"
    }
}
