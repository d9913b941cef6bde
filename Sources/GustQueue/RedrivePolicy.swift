import Foundation

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
