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

    public init(_ attributes: [String: String]) {
        delaySeconds = attributes["DelaySeconds"].flatMap(Int.init) ?? 0
        maximumMessageSize = attributes["MaximumMessageSize"].flatMap(Int.init) ?? QueueAttributes.maxMessageBytes
        retentionSeconds = attributes["MessageRetentionPeriod"].flatMap(Int.init) ?? 345_600
        receiveWaitSeconds = attributes["ReceiveMessageWaitTimeSeconds"].flatMap(Int.init) ?? 0
        visibilitySeconds = attributes["VisibilityTimeout"].flatMap(Int.init) ?? 30
        redrive = attributes["RedrivePolicy"].flatMap { try? RedrivePolicy(parsing: $0) }
        contentBasedDeduplication = attributes["ContentBasedDeduplication"] == "true"
        deduplicatesPerGroup = attributes["DeduplicationScope"] == "messageGroup"
    }
}
