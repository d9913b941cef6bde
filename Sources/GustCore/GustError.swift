// Errors that cross the wire. Every error Gust returns to a client is one of these: it knows its
// HTTP status and its AWS error type, so the gateway renders it in the protocol's own form and never
// leaks a stack trace.

/// An error in the Lambda API's vocabulary.
public struct GustError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Equatable, CaseIterable {
        case resourceNotFound = "ResourceNotFoundException"
        case resourceConflict = "ResourceConflictException"
        case invalidParameterValue = "InvalidParameterValueException"
        case invalidRequestContent = "InvalidRequestContentException"
        case requestTooLarge = "RequestTooLargeException"
        case tooManyRequests = "TooManyRequestsException"
        case service = "ServiceException"
        case unrecognizedClient = "UnrecognizedClientException"
        case invalidSignature = "InvalidSignatureException"
        case missingAuthentication = "MissingAuthenticationTokenException"
        case accessDenied = "AccessDeniedException"
        case unknownOperation = "UnknownOperationException"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var httpStatus: Int {
        switch code {
        case .resourceNotFound: 404
        case .resourceConflict: 409
        case .invalidParameterValue, .invalidRequestContent: 400
        case .requestTooLarge: 413
        case .tooManyRequests: 429
        case .service: 500
        case .unrecognizedClient, .invalidSignature, .missingAuthentication, .accessDenied: 403
        case .unknownOperation: 404
        }
    }

    /// The `x-amzn-ErrorType` header and `__type` field.
    public var awsType: String { code.rawValue }

    public var description: String { "\(code.rawValue): \(message)" }

    public static func notFound(_ message: String) -> GustError { GustError(.resourceNotFound, message) }
    public static func invalid(_ message: String) -> GustError { GustError(.invalidParameterValue, message) }
    public static func conflict(_ message: String) -> GustError { GustError(.resourceConflict, message) }
    public static func internalError(_ message: String) -> GustError { GustError(.service, message) }
}
