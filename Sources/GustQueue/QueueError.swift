import GustAWSWire

/// An SQS error: its JSON-protocol type, the query protocol's code (which botocore and the SDKs
/// report, from `x-amzn-query-error`) and its HTTP status.
public struct QueueError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, CaseIterable {
        case queueDoesNotExist = "QueueDoesNotExist"
        case queueNameExists = "QueueNameExists"
        case invalidAttributeName = "InvalidAttributeName"
        case invalidAttributeValue = "InvalidAttributeValue"
        case invalidParameterValue = "InvalidParameterValue"
        case missingParameter = "MissingParameter"
        case invalidMessageContents = "InvalidMessageContents"
        case receiptHandleIsInvalid = "ReceiptHandleIsInvalid"
        case messageNotInflight = "MessageNotInflight"
        case emptyBatchRequest = "EmptyBatchRequest"
        case tooManyEntriesInBatchRequest = "TooManyEntriesInBatchRequest"
        case batchEntryIdsNotDistinct = "BatchEntryIdsNotDistinct"
        case invalidBatchEntryId = "InvalidBatchEntryId"
        case batchRequestTooLong = "BatchRequestTooLong"
        case unsupportedOperation = "UnsupportedOperation"
        case invalidAddress = "InvalidAddress"
        case unknownOperation = "UnknownOperationException"
        case serialization = "SerializationException"
        case requestTooLarge = "RequestEntityTooLargeException"
        case internalFailure = "InternalFailure"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }

    /// The code the query protocol used, and so what clients show.
    public var queryCode: String? {
        switch code {
        case .queueDoesNotExist: "AWS.SimpleQueueService.NonExistentQueue"
        case .queueNameExists: "QueueAlreadyExists"
        case .messageNotInflight: "AWS.SimpleQueueService.MessageNotInflight"
        case .emptyBatchRequest: "AWS.SimpleQueueService.EmptyBatchRequest"
        case .tooManyEntriesInBatchRequest: "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"
        case .batchEntryIdsNotDistinct: "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"
        case .invalidBatchEntryId: "AWS.SimpleQueueService.InvalidBatchEntryId"
        case .batchRequestTooLong: "AWS.SimpleQueueService.BatchRequestTooLong"
        case .unsupportedOperation: "AWS.SimpleQueueService.UnsupportedOperation"
        case .unknownOperation: "InvalidAction"
        case .serialization, .requestTooLarge: nil
        default: code.rawValue
        }
    }

    public var status: Int {
        switch code {
        case .requestTooLarge: 413
        case .internalFailure: 500
        case .invalidAddress: 404
        default: 400
        }
    }

    /// `com.amazonaws.sqs#…` for SQS's own errors, `com.amazon.coral.service#…` for the
    /// protocol's (unknown operation, unreadable body).
    public var wire: AWSJSONError {
        let namespace =
            switch code {
            case .unknownOperation, .serialization, .requestTooLarge, .internalFailure: "com.amazon.coral.service"
            default: "com.amazonaws.sqs"
            }
        return AWSJSONError(type: "\(namespace)#\(code.rawValue)", message: message, status: status, queryCode: queryCode)
    }

    static func invalid(_ message: String) -> QueueError { QueueError(.invalidParameterValue, message) }
    static let noSuchQueue = QueueError(.queueDoesNotExist, "The specified queue does not exist.")
}
