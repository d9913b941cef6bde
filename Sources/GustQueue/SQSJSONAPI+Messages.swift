import Foundation
import GustAWSWire

extension SQSJSONAPI {
    func sendMessage(_ input: [String: Any], _ request: AWSRequest) async throws(QueueError) -> [String: Any] {
        let queue = try await queue(input)
        let entry = try Self.sendEntry(input)
        guard let result = try await queues.send(queue, [entry], senderID: request.caller?.accessKey ?? "anonymous").first else {
            throw QueueError(.internalFailure, "Internal error")
        }
        switch result {
        case .failure(let error): throw error
        case .success(let sent): return Self.sent(sent, entry)
        }
    }

    func sendMessageBatch(_ input: [String: Any], _ request: AWSRequest) async throws(QueueError) -> [String: Any] {
        let queue = try await queue(input)
        let wireEntries = try SQSWire.entries(input, "Entries")
        let ids = try SQSWire.checkBatch(wireEntries, entryName: "SendMessageBatchRequestEntry")
        var entries: [SendEntry] = []
        for wire in wireEntries { entries.append(try Self.sendEntry(wire)) }
        try queues.checkFIFOBatch(queue, entries)
        let total = entries.reduce(0) { sum, entry in
            sum + entry.body.utf8.count + entry.attributes.reduce(0) { $0 + $1.key.utf8.count + $1.value.size }
        }
        if total > QueueAttributes.maxMessageBytes {
            throw QueueError(
                .batchRequestTooLong, "Batch requests cannot be longer than \(QueueAttributes.maxMessageBytes) bytes. You have sent \(total) bytes.")
        }
        let results = try await queues.send(queue, entries, senderID: request.caller?.accessKey ?? "anonymous")
        var successful: [[String: Any]] = []
        var failed: [[String: Any]] = []
        for (index, result) in results.enumerated() {
            switch result {
            case .success(let sent):
                var entry = Self.sent(sent, entries[index])
                entry["Id"] = ids[index]
                successful.append(entry)
            case .failure(let error):
                failed.append(SQSWire.failure(ids[index], error))
            }
        }
        return ["Successful": successful, "Failed": failed]
    }

    func receiveMessage(_ input: [String: Any]) async throws(QueueError) -> [String: Any] {
        let queue = try await queue(input)
        let options = ReceiveOptions(
            maxMessages: try SQSWire.int(input, "MaxNumberOfMessages") ?? 1,
            visibilitySeconds: try SQSWire.int(input, "VisibilityTimeout"), waitSeconds: try SQSWire.int(input, "WaitTimeSeconds"))
        let systemNames = Set(try SQSWire.strings(input, "AttributeNames") + SQSWire.strings(input, "MessageSystemAttributeNames"))
        let attributeNames = try SQSWire.strings(input, "MessageAttributeNames")
        let messages = try await queues.receive(queue, options)
        if messages.isEmpty { return [:] }
        return ["Messages": messages.map { Self.wire($0, systemNames: systemNames, attributeNames: attributeNames) }]
    }

    func deleteMessage(_ input: [String: Any]) async throws(QueueError) -> [String: Any] {
        let queue = try await queue(input)
        let results = try await queues.delete(queue, receipts: [try SQSWire.required(input, "ReceiptHandle")])
        if case .failure(let error) = results.first { throw error }
        return [:]
    }

    func deleteMessageBatch(_ input: [String: Any]) async throws(QueueError) -> [String: Any] {
        let queue = try await queue(input)
        let wireEntries = try SQSWire.entries(input, "Entries")
        let ids = try SQSWire.checkBatch(wireEntries, entryName: "DeleteMessageBatchRequestEntry")
        var receipts: [String] = []
        for entry in wireEntries { receipts.append(try SQSWire.required(entry, "ReceiptHandle")) }
        let results = try await queues.delete(queue, receipts: receipts)
        return Self.batchAnswer(ids, results)
    }

    func changeMessageVisibility(_ input: [String: Any]) async throws(QueueError) -> [String: Any] {
        let queue = try await queue(input)
        let receipt = try SQSWire.required(input, "ReceiptHandle")
        guard let seconds = try SQSWire.int(input, "VisibilityTimeout") else {
            throw QueueError(.missingParameter, "The request must contain the parameter VisibilityTimeout.")
        }
        if case .failure(let error) = try await queues.changeVisibility(queue, [(receipt, seconds)]).first { throw error }
        return [:]
    }

    func changeMessageVisibilityBatch(_ input: [String: Any]) async throws(QueueError) -> [String: Any] {
        let queue = try await queue(input)
        let wireEntries = try SQSWire.entries(input, "Entries")
        let ids = try SQSWire.checkBatch(wireEntries, entryName: "ChangeMessageVisibilityBatchRequestEntry")
        var changes: [(receipt: String, seconds: Int)] = []
        for entry in wireEntries {
            changes.append((try SQSWire.required(entry, "ReceiptHandle"), try SQSWire.int(entry, "VisibilityTimeout") ?? 0))
        }
        return Self.batchAnswer(ids, try await queues.changeVisibility(queue, changes))
    }

    private static func batchAnswer(_ ids: [String], _ results: [Result<Void, QueueError>]) -> [String: Any] {
        var successful: [[String: Any]] = []
        var failed: [[String: Any]] = []
        for (id, result) in zip(ids, results) {
            switch result {
            case .success: successful.append(["Id": id])
            case .failure(let error): failed.append(SQSWire.failure(id, error))
            }
        }
        return ["Successful": successful, "Failed": failed]
    }

    private static func sendEntry(_ input: [String: Any]) throws(QueueError) -> SendEntry {
        SendEntry(
            body: try SQSWire.string(input, "MessageBody") ?? "", delaySeconds: try SQSWire.int(input, "DelaySeconds"),
            attributes: try SQSWire.messageAttributes(input, "MessageAttributes"),
            systemAttributes: try SQSWire.messageAttributes(input, "MessageSystemAttributes"),
            groupID: try SQSWire.string(input, "MessageGroupId"), deduplicationID: try SQSWire.string(input, "MessageDeduplicationId"))
    }

    private static func sent(_ sent: SentMessage, _ entry: SendEntry) -> [String: Any] {
        var output: [String: Any] = ["MessageId": sent.messageID, "MD5OfMessageBody": MessageMD5.body(entry.body)]
        if let md5 = MessageMD5.attributes(entry.attributes) { output["MD5OfMessageAttributes"] = md5 }
        if let md5 = MessageMD5.attributes(entry.systemAttributes) { output["MD5OfMessageSystemAttributes"] = md5 }
        if let sequence = sent.sequenceNumber { output["SequenceNumber"] = sequence }
        return output
    }

    /// A received message, with the system attributes and message attributes the caller named.
    static func wire(_ message: ReceivedMessage, systemNames: Set<String>, attributeNames: [String]) -> [String: Any] {
        var output: [String: Any] = [
            "MessageId": message.messageID, "ReceiptHandle": message.receipt.encoded, "MD5OfBody": message.md5OfBody,
            "Body": message.body,
        ]
        var system: [String: String] = [
            "SenderId": message.senderID, "SentTimestamp": milliseconds(message.sentAt),
            "ApproximateReceiveCount": String(message.receiveCount),
            "ApproximateFirstReceiveTimestamp": milliseconds(message.firstReceivedAt),
        ]
        system["MessageGroupId"] = message.groupID
        system["MessageDeduplicationId"] = message.deduplicationID
        system["SequenceNumber"] = message.sequenceNumber
        system["AWSTraceHeader"] = message.systemAttributes["AWSTraceHeader"]?.stringValue
        system["DeadLetterQueueSourceArn"] = message.deadLetterSourceArn
        if !systemNames.contains("All") { system = system.filter { systemNames.contains($0.key) } }
        if !system.isEmpty { output["Attributes"] = system }
        let selected = message.attributes.filter { name, _ in
            attributeNames.contains { wanted in
                wanted == "All" || wanted == ".*" || wanted == name
                    || (wanted.hasSuffix(".*") && name.hasPrefix(String(wanted.dropLast(2))))
            }
        }
        if !selected.isEmpty {
            output["MessageAttributes"] = SQSWire.wire(selected)
            output["MD5OfMessageAttributes"] = MessageMD5.attributes(selected)
        }
        return output
    }

    private static func milliseconds(_ date: Date) -> String { String(Int64((date.timeIntervalSince1970 * 1000).rounded())) }
}
