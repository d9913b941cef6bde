import Foundation

/// A queue as stored: its name, the attributes set on it (defaults are not stored, so a later
/// change of default reaches old queues) and its tags.
public struct QueueRecord: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var attributes: [String: String]
    public var tags: [String: String]
    public var createdAt: Date
    public var modifiedAt: Date

    public init(
        id: Int64, name: String, attributes: [String: String], tags: [String: String], createdAt: Date, modifiedAt: Date
    ) {
        self.id = id
        self.name = name
        self.attributes = attributes
        self.tags = tags
        self.createdAt = createdAt
        self.modifiedAt = modifiedAt
    }

    public var isFIFO: Bool { name.hasSuffix(".fifo") }
    public var settings: QueueSettings { QueueSettings(attributes) }
}

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

/// `RedrivePolicy`: where messages go after `maxReceiveCount` receives.
public struct RedrivePolicy: Sendable, Equatable {
    public var deadLetterTargetArn: String
    public var maxReceiveCount: Int

    public init(parsing text: String) throws(QueueError) {
        let invalid = QueueError(.invalidAttributeValue, "Value \(text) for parameter RedrivePolicy is invalid. Reason: Redrive policy is not a valid JSON map.")
        guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else { throw invalid }
        guard let arn = object["deadLetterTargetArn"] as? String else {
            throw QueueError(.invalidAttributeValue, "Value \(text) for parameter RedrivePolicy is invalid. Reason: Redrive policy does not contain mandatory attribute: deadLetterTargetArn.")
        }
        let count: Int? =
            switch object["maxReceiveCount"] {
            case let number as NSNumber: number.intValue
            case let string as String: Int(string)
            default: nil
            }
        guard let count else {
            throw QueueError(.invalidAttributeValue, "Value \(text) for parameter RedrivePolicy is invalid. Reason: Redrive policy does not contain mandatory attribute: maxReceiveCount.")
        }
        guard (1...1000).contains(count) else {
            throw QueueError(.invalidAttributeValue, "Value \(text) for parameter RedrivePolicy is invalid. Reason: Invalid value for maxReceiveCount: \(count), valid values are from 1 to 1000 both inclusive.")
        }
        deadLetterTargetArn = arn
        maxReceiveCount = count
    }

    /// The form AWS hands back: `{"deadLetterTargetArn":…,"maxReceiveCount":N}`.
    public var json: String {
        let data = try? JSONSerialization.data(
            withJSONObject: ["deadLetterTargetArn": deadLetterTargetArn, "maxReceiveCount": maxReceiveCount],
            options: [.sortedKeys, .withoutEscapingSlashes])
        return data.map { String(decoding: $0, as: UTF8.self) } ?? ""
    }
}
