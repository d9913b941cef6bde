import Testing

@testable import GustQueue

@Suite struct SQSQueryProtocolTests {
    @Test func flatParametersBecomeTheJSONInput() {
        let input = SQSQueryProtocol.input(
            [
                "Action": "SendMessageBatch", "QueueUrl": "http://h/000000000000/q",
                "SendMessageBatchRequestEntry.2.Id": "b", "SendMessageBatchRequestEntry.2.MessageBody": "two",
                "SendMessageBatchRequestEntry.1.Id": "a", "SendMessageBatchRequestEntry.1.MessageBody": "one",
                "SendMessageBatchRequestEntry.1.MessageAttribute.1.Name": "n",
                "SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType": "Number",
                "SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue": "1",
            ], action: "SendMessageBatch", queueURL: nil)
        let entries = input["Entries"] as? [[String: Any]] ?? []
        #expect(entries.map { $0["Id"] as? String } == ["a", "b"])
        let attributes = entries.first?["MessageAttributes"] as? [String: Any]
        #expect((attributes?["n"] as? [String: Any])?["StringValue"] as? String == "1")
    }

    @Test func mapsListsAndThePathAsQueueURL() {
        let input = SQSQueryProtocol.input(
            [
                "Attribute.1.Name": "DelaySeconds", "Attribute.1.Value": "5", "AttributeName.2": "b", "AttributeName.1": "a",
                "Tag.1.Key": "k", "Tag.1.Value": "v",
            ], action: "CreateQueue", queueURL: "http://h/000000000000/q")
        #expect(input["Attributes"] as? [String: String] == ["DelaySeconds": "5"])
        #expect(input["AttributeNames"] as? [String] == ["a", "b"])
        #expect(input["tags"] as? [String: String] == ["k": "v"])
        #expect(input["QueueUrl"] as? String == "http://h/000000000000/q")
    }

    /// A name of a hundred thousand parts must neither crash nor recurse that deep.
    @Test func deepNamesAreIgnored() {
        let deep = Array(repeating: "a", count: 100_000).joined(separator: ".")
        let input = SQSQueryProtocol.input([deep: "1", "QueueName": "q"], action: "CreateQueue", queueURL: nil)
        #expect(input["QueueName"] as? String == "q")
        #expect(input["a"] == nil)
    }
}
