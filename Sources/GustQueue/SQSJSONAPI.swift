import Foundation
import GustAWSWire

/// SQS's JSON protocol (`X-Amz-Target: AmazonSQS.<Operation>`, `application/x-amz-json-1.0`), as
/// botocore ≥ 1.31, awscli and the current AWS SDKs speak it, and the older query protocol
/// translated onto it (`SQSQueryProtocol`). Decodes, calls `QueueService`, encodes; every error
/// leaves in SQS's JSON shape with its query code.
public struct SQSJSONAPI: AWSService {
    public let queues: QueueService

    public init(queues: QueueService) {
        self.queues = queues
    }

    public var signingName: String { "sqs" }
    /// Room for an oversized message to get SQS's own answer (`InvalidParameterValue`), even
    /// written with JSON escapes; larger bodies are refused unread.
    public var maxRequestBytes: Int { 8 * 1024 * 1024 }

    public func matchesUnsigned(method: String, path: String, query: String?, header: (String) -> String?) -> Bool {
        header("X-Amz-Target")?.hasPrefix("AmazonSQS.") ?? false
    }

    public func refusal(_ refusal: AWSRefusal) -> AWSResponse {
        switch refusal {
        case .unauthenticated(let code, let message):
            return AWSJSONError(type: "com.amazon.coral.service#\(code)", message: message, status: 403).response()
        case .tooLarge(let limit):
            return QueueError(.requestTooLarge, "Request must be smaller than \(limit) bytes.").wire.response()
        }
    }

    public func handle(_ request: AWSRequest) async -> AWSResponse {
        if request.header("X-Amz-Target") == nil, let parameters = SQSQueryProtocol.parameters(request) {
            return await handleQuery(request, parameters)
        }
        do {
            guard request.method == "POST", let target = request.header("X-Amz-Target"), target.hasPrefix("AmazonSQS.") else {
                throw QueueError(.unknownOperation, "Gust's SQS takes POST with X-Amz-Target: AmazonSQS.<Operation> (JSON) or Action=<Operation> (query).")
            }
            let operation = String(target.dropFirst("AmazonSQS.".count))
            let input = try SQSWire.object(request.body)
            return AWSJSONError.success(try await answer(operation, input, request))
        } catch let error as QueueError {
            return error.wire.response()
        } catch {
            return QueueError(.internalFailure, "Internal error").wire.response()
        }
    }

    /// The query protocol: the same operations, translated at the edge.
    private func handleQuery(_ request: AWSRequest, _ parameters: [String: String]) async -> AWSResponse {
        let action = parameters["Action"] ?? ""
        let queueURL = request.path == "/" || request.path.isEmpty ? nil : "http://\(request.host)\(request.path)"
        do {
            let input = SQSQueryProtocol.input(parameters, action: action, queueURL: queueURL)
            return SQSQueryProtocol.response(action, try await answer(action, input, request))
        } catch {
            return SQSQueryProtocol.error(error)
        }
    }

    private func answer(_ operation: String, _ input: [String: Any], _ request: AWSRequest) async throws(QueueError) -> [String: Any] {
        switch operation {
        case "CreateQueue":
            let queue = try await queues.createQueue(
                name: try SQSWire.required(input, "QueueName"), attributes: try SQSWire.stringMap(input, "Attributes"),
                tags: try SQSWire.stringMap(input, "tags"))
            return ["QueueUrl": queues.url(queue.name, host: request.host)]
        case "GetQueueUrl":
            let queue = try await queues.queue(named: try SQSWire.required(input, "QueueName"))
            return ["QueueUrl": queues.url(queue.name, host: request.host)]
        case "ListQueues":
            let page = try await queues.listQueues(
                prefix: try SQSWire.string(input, "QueueNamePrefix") ?? "", nextToken: try SQSWire.string(input, "NextToken"),
                maxResults: try SQSWire.int(input, "MaxResults"))
            var output: [String: Any] = [:]
            if !page.queues.isEmpty { output["QueueUrls"] = page.queues.map { queues.url($0.name, host: request.host) } }
            if let next = page.nextToken { output["NextToken"] = next }
            return output
        case "DeleteQueue":
            try await queues.deleteQueue(try await queue(input))
            return [:]
        case "GetQueueAttributes":
            let attributes = try await queues.attributes(of: try await queue(input), names: try SQSWire.strings(input, "AttributeNames"))
            return attributes.isEmpty ? [:] : ["Attributes": attributes]
        case "SetQueueAttributes":
            try await queues.setAttributes(try await queue(input), try SQSWire.stringMap(input, "Attributes"))
            return [:]
        case "PurgeQueue":
            try await queues.purge(try await queue(input))
            return [:]
        case "TagQueue":
            try await queues.tag(try await queue(input), try SQSWire.stringMap(input, "Tags"))
            return [:]
        case "UntagQueue":
            try await queues.untag(try await queue(input), try SQSWire.strings(input, "TagKeys"))
            return [:]
        case "ListQueueTags":
            let tags = try await queue(input).tags
            return tags.isEmpty ? [:] : ["Tags": tags]
        case "ListDeadLetterSourceQueues":
            let page = try await queues.deadLetterSources(
                of: try await queue(input), nextToken: try SQSWire.string(input, "NextToken"),
                maxResults: try SQSWire.int(input, "MaxResults"))
            var output: [String: Any] = ["queueUrls": page.queues.map { queues.url($0.name, host: request.host) }]
            if let next = page.nextToken { output["NextToken"] = next }
            return output
        case "SendMessage": return try await sendMessage(input, request)
        case "SendMessageBatch": return try await sendMessageBatch(input, request)
        case "ReceiveMessage": return try await receiveMessage(input)
        case "DeleteMessage": return try await deleteMessage(input)
        case "DeleteMessageBatch": return try await deleteMessageBatch(input)
        case "ChangeMessageVisibility": return try await changeMessageVisibility(input)
        case "ChangeMessageVisibilityBatch": return try await changeMessageVisibilityBatch(input)
        default:
            throw QueueError(.unknownOperation, "Operation \(operation) is not supported by Gust's SQS.")
        }
    }

    func queue(_ input: [String: Any]) async throws(QueueError) -> QueueRecord {
        try await queues.queue(url: try SQSWire.required(input, "QueueUrl"))
    }
}
