import Foundation

/// The manifest's queues, queue events and async settings.
extension Manifest {
    /// `queues: - {name, attributes: {VisibilityTimeout: 30}, deadLetter: {queue, maxReceiveCount}}`
    struct Queue: Decodable {
        var name: String
        /// SQS attribute names as AWS spells them; values may be written as YAML numbers or booleans.
        var attributes: [String: String]?
        var deadLetter: DeadLetter?

        struct DeadLetter: Decodable {
            var queue: String
            var maxReceiveCount: Int
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            attributes = try container.decodeIfPresent([String: ScalarText].self, forKey: .attributes)?.mapValues(\.text)
            deadLetter = try container.decodeIfPresent(DeadLetter.self, forKey: .deadLetter)
        }

        enum CodingKeys: String, CodingKey { case name, attributes, deadLetter }
    }

    /// A YAML scalar read as the text SQS wants: `VisibilityTimeout: 5` and `FifoQueue: true` are not
    /// strings to YAML, but SQS attribute values are.
    struct ScalarText: Decodable {
        var text: String

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let value = try? container.decode(Int.self) {
                text = String(value)
            } else if let value = try? container.decode(Bool.self) {
                text = String(value)
            } else if let value = try? container.decode(Double.self) {
                text = String(value)
            } else {
                text = try container.decode(String.self)
            }
        }
    }

    /// `- sqs: {queue: jobs, batchSize: 10, batchWindow: 1, reportBatchItemFailures: true, maxConcurrency: 5}`
    /// or `- sqs: jobs`: an event source mapping from the queue (a name or an SQS ARN).
    struct SQS: Decodable {
        var queue: String
        var batchSize: Int?
        /// MaximumBatchingWindowInSeconds.
        var batchWindow: Int?
        var reportBatchItemFailures: Bool?
        /// ScalingConfig.MaximumConcurrency: instances the mapping may keep busy.
        var maxConcurrency: Int?
        var enabled: Bool?

        init(from decoder: any Decoder) throws {
            if let queue = try? decoder.singleValueContainer().decode(String.self) {
                self.queue = queue
                return
            }
            let container = try decoder.container(keyedBy: CodingKeys.self)
            queue = try container.decode(String.self, forKey: .queue)
            batchSize = try container.decodeIfPresent(Int.self, forKey: .batchSize)
            batchWindow = try container.decodeIfPresent(Int.self, forKey: .batchWindow)
            reportBatchItemFailures = try container.decodeIfPresent(Bool.self, forKey: .reportBatchItemFailures)
            maxConcurrency = try container.decodeIfPresent(Int.self, forKey: .maxConcurrency)
            enabled = try container.decodeIfPresent(Bool.self, forKey: .enabled)
        }

        enum CodingKeys: String, CodingKey {
            case queue, batchSize, batchWindow, reportBatchItemFailures, maxConcurrency, enabled
        }
    }

    /// `async: {retries: 0-2, maxEventAge: 60-21600, onSuccess: NAME, onFailure: NAME}`
    /// (PutFunctionEventInvokeConfig).
    struct Async: Decodable {
        var retries: Int?
        var maxEventAge: Int?
        var onSuccess: Destination?
        var onFailure: Destination?
    }

    /// Where an async result goes: `NAME` (a queue or a function of that name), `{queue: NAME}`,
    /// `{function: NAME}`, or an ARN.
    enum Destination: Decodable, Equatable {
        case name(String)
        case queue(String)
        case function(String)

        init(from decoder: any Decoder) throws {
            if let text = try? decoder.singleValueContainer().decode(String.self) {
                self = .name(text)
                return
            }
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let queue = try container.decodeIfPresent(String.self, forKey: .queue)
            let function = try container.decodeIfPresent(String.self, forKey: .function)
            switch (queue, function) {
            case (let queue?, nil): self = .queue(queue)
            case (nil, let function?): self = .function(function)
            default:
                throw DecodingError.dataCorrupted(
                    .init(codingPath: decoder.codingPath, debugDescription: "a destination is one of {queue: NAME} or {function: NAME}"))
            }
        }

        enum CodingKeys: String, CodingKey { case queue, function }
    }
}
