import Foundation

/// The queue attributes SQS knows, and their validation.
public enum QueueAttributes {
    public static let maxMessageBytes = 262_144

    /// What a caller may set, with the whole-number range of those that are numbers.
    static let ranges: [String: ClosedRange<Int>] = [
        "DelaySeconds": 0...900, "MaximumMessageSize": 1024...262_144, "MessageRetentionPeriod": 60...1_209_600,
        "ReceiveMessageWaitTimeSeconds": 0...20, "VisibilityTimeout": 0...43_200,
        "KmsDataKeyReusePeriodSeconds": 60...86_400,
    ]
    static let free: Set<String> = ["Policy", "RedrivePolicy", "RedriveAllowPolicy", "KmsMasterKeyId", "SqsManagedSseEnabled"]
    static let fifoOnly: Set<String> = ["ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit"]
    static let readOnly: Set<String> = [
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed",
        "CreatedTimestamp", "LastModifiedTimestamp", "QueueArn",
    ]
    /// Every name GetQueueAttributes accepts besides `All`.
    static let known: Set<String> = Set(ranges.keys).union(free).union(fifoOnly).union(readOnly).union(["FifoQueue"])

    /// Checks attributes being set (`creating`: FifoQueue allowed) and returns them as stored:
    /// empty values of the policies clear them.
    static func validate(
        _ attributes: [String: String], fifo: Bool, creating: Bool
    ) throws(QueueError) -> [String: String] {
        var result: [String: String] = [:]
        // Names are taken trimmed, as moto does (its suite sends `"VisibilityTimeout "`): it costs nothing.
        for (name, value) in attributes.map({ ($0.key.trimmingCharacters(in: .whitespaces), $0.value) }) {
            if let range = ranges[name] {
                guard let number = Int(value), range.contains(number) else {
                    throw QueueError(.invalidAttributeValue, "Invalid value for the parameter \(name).")
                }
                result[name] = String(number)
            } else if name == "FifoQueue" {
                guard creating else { throw QueueError(.invalidAttributeName, "Unknown Attribute \(name).") }
                guard value == "true" || value == "false", (value == "true") == fifo else {
                    throw QueueError(
                        .invalidParameterValue,
                        fifo
                            ? "Invalid value for the parameter FifoQueue."
                            : "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.")
                }
                if fifo { result[name] = "true" }
            } else if fifoOnly.contains(name) {
                guard fifo else { throw QueueError(.invalidAttributeName, "Unknown Attribute \(name).") }
                let allowed: Set<String> =
                    switch name {
                    case "ContentBasedDeduplication": ["true", "false"]
                    case "DeduplicationScope": ["messageGroup", "queue"]
                    default: ["perQueue", "perMessageGroupId"]
                    }
                guard allowed.contains(value) else {
                    throw QueueError(.invalidAttributeValue, "Invalid value for the parameter \(name).")
                }
                result[name] = value
            } else if name == "RedrivePolicy" {
                if !value.isEmpty { result[name] = try RedrivePolicy(parsing: value).json } else { result[name] = "" }
            } else if name == "SqsManagedSseEnabled" {
                guard value == "true" || value == "false" else {
                    throw QueueError(.invalidAttributeValue, "Invalid value for the parameter \(name).")
                }
                result[name] = value
            } else if free.contains(name) {
                result[name] = value
            } else {
                throw QueueError(.invalidAttributeName, "Unknown Attribute \(name).")
            }
        }
        return result
    }

    /// Whether a queue name is valid: 1–80 of `[A-Za-z0-9_-]`, plus `.fifo` for FIFO queues.
    static func isValidName(_ name: String) -> Bool {
        let base = name.hasSuffix(".fifo") ? String(name.dropLast(5)) : name
        return !base.isEmpty && name.utf8.count <= 80
            && base.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
            }
    }
}
