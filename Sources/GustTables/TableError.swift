/// A DynamoDB error: its code (the `__type` after `com.amazonaws.dynamodb.v20120810#`), message,
/// and for conditional failures the item DynamoDB may return with it.
public struct TableError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case validation = "ValidationException"
        case resourceNotFound = "ResourceNotFoundException"
        case resourceInUse = "ResourceInUseException"
        case conditionalCheckFailed = "ConditionalCheckFailedException"
        case transactionCanceled = "TransactionCanceledException"
        case transactionConflict = "TransactionConflictException"
        case idempotentParameterMismatch = "IdempotentParameterMismatchException"
        case itemCollectionSizeLimitExceeded = "ItemCollectionSizeLimitExceededException"
        case limitExceeded = "LimitExceededException"
        case serialization = "SerializationException"
        case unknownOperation = "UnknownOperationException"
        case expiredIterator = "ExpiredIteratorException"
        case trimmedDataAccess = "TrimmedDataAccessException"
        case accessDenied = "AccessDeniedException"
        case internalServerError = "InternalServerError"
    }

    public var code: Code
    public var message: String
    /// `ReturnValuesOnConditionCheckFailure: ALL_OLD`: the item as it was.
    public var item: Item?
    /// For `transactionCanceled`: one reason per action, nil where the action was fine.
    public var cancellationReasons: [TableError?]

    public init(_ code: Code, _ message: String, item: Item? = nil, cancellationReasons: [TableError?] = []) {
        self.code = code
        self.message = message
        self.item = item
        self.cancellationReasons = cancellationReasons
    }

    public var description: String { "\(code.rawValue): \(message)" }

    public var status: Int { code == .internalServerError ? 500 : 400 }

    /// The `__type` DynamoDB sends.
    public var wireType: String {
        switch code {
        case .unknownOperation, .serialization, .accessDenied, .validation:
            // The "coral" namespace for protocol-level errors, as DynamoDB answers them.
            "com.amazon.coral.validate#\(code.rawValue)"
        default:
            "com.amazonaws.dynamodb.v20120810#\(code.rawValue)"
        }
    }

    public static func == (lhs: TableError, rhs: TableError) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message
    }

    public static func validation(_ message: String) -> TableError { TableError(.validation, message) }
    public static func tableNotFound(_ name: String) -> TableError {
        TableError(.resourceNotFound, "Requested resource not found: Table: \(name) not found")
    }
}
