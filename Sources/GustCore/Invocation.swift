import Foundation

/// How the caller waits: `sync` holds the connection for the result, `async` is acknowledged once the
/// event is durable.
public enum InvocationMode: String, Sendable, Codable {
    case sync = "RequestResponse"
    case async = "Event"
}

/// What happened to one invocation. A function's own failure is never a platform failure: each
/// case maps to the error type a Lambda client expects.
public enum InvocationOutcome: String, Sendable, Codable, CaseIterable {
    case success = "Success"
    case functionError = "FunctionError"
    case initError = "InitError"
    case timeout = "Timeout"
    case outOfMemory = "OutOfMemory"
    case crashed = "Crashed"
    case throttled = "Throttled"
    case interrupted = "Interrupted"

    /// Whether the instance that produced this outcome can serve another invocation.
    public var instanceSurvives: Bool {
        switch self {
        case .success, .functionError, .throttled: true
        case .initError, .timeout, .outOfMemory, .crashed, .interrupted: false
        }
    }

    /// Async invocations retry on everything except success (as Lambda does for function errors too).
    public var isRetryable: Bool { self != .success }
}

/// One invocation as handed to the scheduler.
public struct InvocationRequest: Sendable {
    public var requestID: String
    public var functionName: String
    public var qualifier: String?
    public var payload: [UInt8]
    public var mode: InvocationMode
    public var source: String
    public var clientContext: String?
    public var wantsLogTail: Bool

    public init(
        requestID: String = RequestID.make(), functionName: String, qualifier: String? = nil,
        payload: [UInt8], mode: InvocationMode = .sync, source: String = "api", clientContext: String? = nil,
        wantsLogTail: Bool = false
    ) {
        self.requestID = requestID
        self.functionName = functionName
        self.qualifier = qualifier
        self.payload = payload
        self.mode = mode
        self.source = source
        self.clientContext = clientContext
        self.wantsLogTail = wantsLogTail
    }
}

/// The answer a caller gets: the function's bytes (or Lambda's error document) and its log text.
public struct InvocationResponse: Sendable {
    public var requestID: String
    public var executedVersion: String
    public var payload: [UInt8]
    /// `Unhandled` when the function failed, as in `X-Amz-Function-Error`.
    public var functionError: String?
    public var outcome: InvocationOutcome
    /// What was recorded; its `logs` are rendered only when a caller asks for them.
    public var record: InvocationRecord
    public var logs: String { record.logs }

    public init(
        requestID: String, executedVersion: String, payload: [UInt8], functionError: String?,
        outcome: InvocationOutcome, record: InvocationRecord
    ) {
        self.requestID = requestID
        self.executedVersion = executedVersion
        self.payload = payload
        self.functionError = functionError
        self.outcome = outcome
        self.record = record
    }
}
