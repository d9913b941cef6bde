import Foundation
import GustCore

/// One invocation as an instance sees it.
public struct InvocationContext: Sendable {
    public var requestID: String
    public var payload: [UInt8]
    /// Wall-clock deadline, as Lambda's `Lambda-Runtime-Deadline-Ms` reports it.
    public var deadline: Date
    public var timeoutSeconds: Int
    public var invokedFunctionARN: String
    public var clientContext: String?

    public init(
        requestID: String, payload: [UInt8], deadline: Date, timeoutSeconds: Int, invokedFunctionARN: String,
        clientContext: String? = nil
    ) {
        self.requestID = requestID
        self.payload = payload
        self.deadline = deadline
        self.timeoutSeconds = timeoutSeconds
        self.invokedFunctionARN = invokedFunctionARN
        self.clientContext = clientContext
    }
}

/// How one invocation ended inside an instance.
public struct InstanceResult: Sendable {
    public var outcome: InvocationOutcome
    /// The function's response, or Lambda's error document for every failure.
    public var payload: [UInt8]
    public var errorType: String?
    /// The instance's output lines written while this invocation was in flight.
    public var logLines: [String]
    /// Set on the instance's first invocation: time from start until the code was ready.
    public var initDurationMs: Double?
    public var maxMemoryUsedMB: Int?
    /// The instance refused the invocation without running any code (it had died while idle):
    /// the pool retries it on a fresh instance.
    public var notStarted = false

    public init(
        outcome: InvocationOutcome, payload: [UInt8], errorType: String? = nil, logLines: [String] = [],
        initDurationMs: Double? = nil, maxMemoryUsedMB: Int? = nil
    ) {
        self.outcome = outcome
        self.payload = payload
        self.errorType = errorType
        self.logLines = logLines
        self.initDurationMs = initDurationMs
        self.maxMemoryUsedMB = maxMemoryUsedMB
    }

    public static func failure(
        _ outcome: InvocationOutcome, type: String?, message: String, logLines: [String] = []
    ) -> InstanceResult {
        InstanceResult(
            outcome: outcome, payload: FunctionErrorDocument.make(type: type, message: message), errorType: type,
            logLines: logLines)
    }

    /// The instance was stopped or lost before the invocation started: the pool retries elsewhere.
    public static func notAvailable(requestID: String) -> InstanceResult {
        var refused = failure(
            .crashed, type: "Runtime.ExitError", message: "RequestId: \(requestID) Error: the instance is not available")
        refused.notStarted = true
        return refused
    }
}
