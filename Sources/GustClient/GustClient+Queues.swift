import Foundation

/// The SQS operations the CLI uses, in SQS's JSON protocol.
extension GustClient {
    /// Calls `AmazonSQS.<operation>` and returns its JSON answer; an error answer is thrown.
    public func sqs(_ operation: String, _ input: [String: Any] = [:]) async throws -> [String: Any] {
        let body = Array(try JSONSerialization.data(withJSONObject: input))
        let reply = try await send(
            "POST", "/", body: body,
            headers: ["Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.\(operation)"],
            signer: queueSigner)
        guard (200..<300).contains(reply.status) else { throw GustClientError(reply) }
        return reply.json ?? [:]
    }

    /// Every queue with its depth: name, URL and the three `ApproximateNumberOf…` counts.
    public func queues() async throws -> [[String: Any]] {
        var urls: [String] = []
        var token: String?
        repeat {
            var input: [String: Any] = ["MaxResults": 1000]
            if let token { input["NextToken"] = token }
            let page = try await sqs("ListQueues", input)
            urls += page["QueueUrls"] as? [String] ?? []
            token = page["NextToken"] as? String
        } while token != nil
        var queues: [[String: Any]] = []
        for url in urls {
            let answer = try await sqs(
                "GetQueueAttributes",
                [
                    "QueueUrl": url,
                    "AttributeNames": [
                        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                        "ApproximateNumberOfMessagesDelayed",
                    ],
                ])
            let attributes = answer["Attributes"] as? [String: String] ?? [:]
            queues.append([
                "QueueName": url.split(separator: "/").last.map(String.init) ?? url, "QueueUrl": url,
                "ApproximateNumberOfMessages": Int(attributes["ApproximateNumberOfMessages"] ?? "") ?? 0,
                "ApproximateNumberOfMessagesNotVisible": Int(attributes["ApproximateNumberOfMessagesNotVisible"] ?? "") ?? 0,
                "ApproximateNumberOfMessagesDelayed": Int(attributes["ApproximateNumberOfMessagesDelayed"] ?? "") ?? 0,
            ])
        }
        return queues
    }
}
