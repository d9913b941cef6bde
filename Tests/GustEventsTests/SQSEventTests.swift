import Foundation
import GustQueue
import Testing

@testable import GustEvents

@Suite struct SQSEventTests {
    func message(_ id: String, body: String, fifo: Bool = false) -> ReceivedMessage {
        ReceivedMessage(
            messageID: id, receipt: ReceiptHandle(queueID: 1, seq: 7, token: "t"), body: body,
            attributes: ["kind": MessageAttributeValue(dataType: "String", stringValue: "demo"),
                         "blob": MessageAttributeValue(dataType: "Binary", binaryValue: [1, 2, 3])],
            systemAttributes: [:], md5OfBody: "md5", md5OfAttributes: "md5a", senderID: "SENDER",
            sentAt: Date(timeIntervalSince1970: 1_700_000_000.123), receiveCount: 2,
            firstReceivedAt: Date(timeIntervalSince1970: 1_700_000_001.5), groupID: fifo ? "g" : nil,
            deduplicationID: fifo ? "d" : nil, sequenceNumber: fifo ? "00000000000000000007" : nil, deadLetterSourceArn: nil)
    }

    @Test func recordsHaveLambdasShape() throws {
        let bytes = SQSEvent.json([message("m1", body: "hello"), message("m2", body: "x", fifo: true)], queueArn: "arn:aws:sqs:us-east-1:000000000000:q", region: "us-east-1")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        let records = try #require(object["Records"] as? [[String: Any]])
        #expect(records.count == 2)
        let first = records[0]
        #expect(first["messageId"] as? String == "m1")
        #expect(first["body"] as? String == "hello")
        #expect(first["receiptHandle"] as? String == ReceiptHandle(queueID: 1, seq: 7, token: "t").encoded)
        #expect(first["eventSource"] as? String == "aws:sqs")
        #expect(first["eventSourceARN"] as? String == "arn:aws:sqs:us-east-1:000000000000:q")
        #expect(first["awsRegion"] as? String == "us-east-1")
        #expect(first["md5OfBody"] as? String == "md5")
        #expect(first["md5OfMessageAttributes"] as? String == "md5a")
        let attributes = try #require(first["attributes"] as? [String: String])
        #expect(attributes == [
            "ApproximateReceiveCount": "2", "SentTimestamp": "1700000000123", "SenderId": "SENDER",
            "ApproximateFirstReceiveTimestamp": "1700000001500",
        ])
        let messageAttributes = try #require(first["messageAttributes"] as? [String: [String: Any]])
        #expect(messageAttributes["kind"]?["stringValue"] as? String == "demo")
        #expect(messageAttributes["kind"]?["dataType"] as? String == "String")
        #expect((messageAttributes["kind"]?["stringListValues"] as? [Any])?.isEmpty == true)
        #expect(messageAttributes["blob"]?["binaryValue"] as? String == "AQID")
        let fifo = try #require(records[1]["attributes"] as? [String: String])
        #expect(fifo["MessageGroupId"] == "g")
        #expect(fifo["MessageDeduplicationId"] == "d")
        #expect(fifo["SequenceNumber"] == "00000000000000000007")
    }

    @Test func batchItemFailuresFollowLambdasRules() {
        let ids: Set<String> = ["a", "b", "c"]
        func verdict(_ text: String) -> BatchItemFailures.Verdict { BatchItemFailures.verdict(Array(text.utf8), batch: ids) }
        #expect(verdict("") == .allSucceeded)
        #expect(verdict("null") == .allSucceeded)
        #expect(verdict("\"ok\"") == .allSucceeded)
        #expect(verdict("{}") == .allSucceeded)
        #expect(verdict(#"{"batchItemFailures": null}"#) == .allSucceeded)
        #expect(verdict(#"{"batchItemFailures": []}"#) == .allSucceeded)
        #expect(verdict(#"{"batchItemFailures": [{"itemIdentifier": "b"}]}"#) == .failed(["b"]))
        #expect(verdict(#"{"batchItemFailures": [{"itemIdentifier": "a"}, {"itemIdentifier": "c"}]}"#) == .failed(["a", "c"]))
        #expect(verdict("{not json") == .wholeBatchFailed)
        #expect(verdict(#"{"batchItemFailures": [{"itemIdentifier": ""}]}"#) == .wholeBatchFailed)
        #expect(verdict(#"{"batchItemFailures": [{"itemIdentifier": null}]}"#) == .wholeBatchFailed)
        #expect(verdict(#"{"batchItemFailures": [{"id": "a"}]}"#) == .wholeBatchFailed)
        #expect(verdict(#"{"batchItemFailures": [{"itemIdentifier": "zzz"}]}"#) == .wholeBatchFailed)
        #expect(verdict(#"{"batchItemFailures": "a"}"#) == .wholeBatchFailed)
    }

    @Test func pollersGrowWithTheBacklogAndShrinkWhenIdle() {
        var scaling = PollerScaling(limit: 3)
        #expect(scaling.start() == .startAnother)
        #expect(scaling.start() == .none)
        // The only poller keeps long-polling an empty queue.
        #expect(scaling.received(count: 0, full: false) == .none)
        #expect(scaling.active == 1)
        #expect(scaling.received(count: 4, full: false) == .none)
        #expect(scaling.received(count: 10, full: true) == .startAnother)
        #expect(scaling.received(count: 10, full: true) == .startAnother)
        #expect(scaling.active == 3)
        #expect(scaling.received(count: 10, full: true) == .none)
        #expect(scaling.received(count: 0, full: false) == .stop)
        #expect(scaling.received(count: 0, full: false) == .stop)
        #expect(scaling.received(count: 0, full: false) == .none)
        #expect(scaling.active == 1)
        #expect(PollerScaling(limit: 0).limit == 1)
    }
}
