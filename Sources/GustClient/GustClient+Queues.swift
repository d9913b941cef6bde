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

    /// Every queue's URL, page by page.
    public func queueURLs() async throws -> [String] {
        var urls: [String] = []
        var token: String?
        repeat {
            var input: [String: Any] = ["MaxResults": 1000]
            if let token { input["NextToken"] = token }
            let page = try await sqs("ListQueues", input)
            urls += page["QueueUrls"] as? [String] ?? []
            token = page["NextToken"] as? String
        } while token != nil
        return urls
    }

    public func queueNames() async throws -> [String] {
        try await queueURLs().map(Self.queueName)
    }

    static func queueName(_ url: String) -> String {
        url.split(separator: "/").last.map(String.init) ?? url
    }

    /// Every queue with its depth: name, URL and the three `ApproximateNumberOf…` counts.
    public func queues() async throws -> [[String: Any]] {
        var queues: [[String: Any]] = []
        for url in try await queueURLs() {
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
                "QueueName": Self.queueName(url), "QueueUrl": url,
                "ApproximateNumberOfMessages": Int(attributes["ApproximateNumberOfMessages"] ?? "") ?? 0,
                "ApproximateNumberOfMessagesNotVisible": Int(attributes["ApproximateNumberOfMessagesNotVisible"] ?? "") ?? 0,
                "ApproximateNumberOfMessagesDelayed": Int(attributes["ApproximateNumberOfMessagesDelayed"] ?? "") ?? 0,
            ])
        }
        return queues
    }
}

/// The queue operations `gust deploy` uses.
extension GustClient {
    /// The queue's URL, or nil if there is no such queue.
    public func queueURL(_ name: String) async throws -> String? {
        do {
            return try await sqs("GetQueueUrl", ["QueueName": name])["QueueUrl"] as? String
        } catch let error as GustClientError where error.code.hasSuffix("QueueDoesNotExist") || error.code.hasSuffix("NonExistentQueue") {
            return nil
        }
    }

    public func createQueue(_ name: String, attributes: [String: String]) async throws -> String {
        var input: [String: Any] = ["QueueName": name]
        if !attributes.isEmpty { input["Attributes"] = attributes }
        return try await sqs("CreateQueue", input)["QueueUrl"] as? String ?? ""
    }

    public func setQueueAttributes(_ url: String, _ attributes: [String: String]) async throws {
        _ = try await sqs("SetQueueAttributes", ["QueueUrl": url, "Attributes": attributes])
    }

    public func queueAttributes(_ url: String, _ names: [String] = ["All"]) async throws -> [String: String] {
        try await sqs("GetQueueAttributes", ["QueueUrl": url, "AttributeNames": names])["Attributes"] as? [String: String] ?? [:]
    }
}
