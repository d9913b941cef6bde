import Foundation
import GustQueue

/// Lambda's SQS event (`{"Records": [...]}`), field for field, so that a handler written for
/// Lambda's SQS trigger runs unchanged.
public enum SQSEvent {
    public static func json(_ messages: [ReceivedMessage], queueArn: String, region: String) -> [UInt8] {
        let records = messages.map { record($0, queueArn: queueArn, region: region) }
        let data = (try? JSONSerialization.data(withJSONObject: ["Records": records], options: [.withoutEscapingSlashes])) ?? Data()
        return Array(data)
    }

    static func record(_ message: ReceivedMessage, queueArn: String, region: String) -> [String: Any] {
        var attributes: [String: String] = [
            "ApproximateReceiveCount": String(message.receiveCount),
            "SentTimestamp": milliseconds(message.sentAt),
            "SenderId": message.senderID,
            "ApproximateFirstReceiveTimestamp": milliseconds(message.firstReceivedAt),
        ]
        if let group = message.groupID { attributes["MessageGroupId"] = group }
        if let dedup = message.deduplicationID { attributes["MessageDeduplicationId"] = dedup }
        if let sequence = message.sequenceNumber { attributes["SequenceNumber"] = sequence }
        if let trace = message.systemAttributes["AWSTraceHeader"]?.stringValue { attributes["AWSTraceHeader"] = trace }
        var record: [String: Any] = [
            "messageId": message.messageID,
            "receiptHandle": message.receipt.encoded,
            "body": message.body,
            "attributes": attributes,
            "messageAttributes": message.attributes.mapValues(attribute),
            "md5OfBody": message.md5OfBody,
            "eventSource": "aws:sqs",
            "eventSourceARN": queueArn,
            "awsRegion": region,
        ]
        if let md5 = message.md5OfAttributes { record["md5OfMessageAttributes"] = md5 }
        return record
    }

    /// Lambda writes message attributes in lower camel case, with the (always empty) list fields.
    static func attribute(_ value: MessageAttributeValue) -> [String: Any] {
        var object: [String: Any] = ["dataType": value.dataType, "stringListValues": [String](), "binaryListValues": [String]()]
        if let string = value.stringValue { object["stringValue"] = string }
        if let binary = value.binaryValue { object["binaryValue"] = Data(binary).base64EncodedString() }
        return object
    }

    static func milliseconds(_ date: Date) -> String { String(Int64((date.timeIntervalSince1970 * 1000).rounded(.down))) }
}

/// What a function that reports batch item failures answered: the message ids to keep.
public enum BatchItemFailures {
    public enum Verdict: Equatable, Sendable {
        /// Delete every message.
        case allSucceeded
        /// Delete all but these.
        case failed(Set<String>)
        /// Keep every message: the answer was not a valid report (as Lambda treats it).
        case wholeBatchFailed
    }

    /// Lambda's rules: no answer, `null`, no `batchItemFailures` or an empty list is success;
    /// invalid JSON, or an entry without a usable `itemIdentifier` or naming no message of the
    /// batch, fails the whole batch.
    public static func verdict(_ payload: [UInt8], batch messageIDs: Set<String>) -> Verdict {
        let trimmed = payload.drop { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
        if trimmed.isEmpty { return .allSucceeded }
        guard let parsed = try? JSONSerialization.jsonObject(with: Data(trimmed), options: [.fragmentsAllowed]) else {
            return .wholeBatchFailed
        }
        guard let object = parsed as? [String: Any], let value = object["batchItemFailures"], !(value is NSNull) else {
            return .allSucceeded
        }
        guard let entries = value as? [Any] else { return .wholeBatchFailed }
        var failed = Set<String>()
        for entry in entries {
            guard let item = entry as? [String: Any], let id = item["itemIdentifier"] as? String, !id.isEmpty,
                messageIDs.contains(id)
            else { return .wholeBatchFailed }
            failed.insert(id)
        }
        return failed.isEmpty ? .allSucceeded : .failed(failed)
    }
}
