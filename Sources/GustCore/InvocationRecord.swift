import Foundation

/// The permanent record of one invocation, with what the function wrote. Field names are the Gust
/// JSON API's.
public struct InvocationRecord: Sendable, Codable, Equatable {
    public var requestID: String
    public var functionName: String
    public var version: String
    public var source: String
    public var mode: InvocationMode
    public var outcome: InvocationOutcome
    public var errorType: String?
    public var startTime: Date
    /// Cold start: process start until the runtime asked for its first event; `nil` when warm.
    public var initDurationMs: Double?
    public var durationMs: Double
    public var billedDurationMs: Int
    public var memorySizeMB: Int
    public var maxMemoryUsedMB: Int?
    public var instanceID: String?
    /// What the function wrote, each line ending in a newline. Lambda's `START`/`END`/`REPORT`
    /// lines are not stored: they follow from the other fields (`logs` renders them), and building
    /// and storing them for every invocation was a measurable part of a warm call.
    public var output: String

    public init(
        requestID: String, functionName: String, version: String, source: String, mode: InvocationMode,
        outcome: InvocationOutcome, errorType: String?, startTime: Date, initDurationMs: Double?,
        durationMs: Double, billedDurationMs: Int, memorySizeMB: Int, maxMemoryUsedMB: Int?,
        instanceID: String?, output: String
    ) {
        self.requestID = requestID
        self.functionName = functionName
        self.version = version
        self.source = source
        self.mode = mode
        self.outcome = outcome
        self.errorType = errorType
        self.startTime = startTime
        self.initDurationMs = initDurationMs
        self.durationMs = durationMs
        self.billedDurationMs = billedDurationMs
        self.memorySizeMB = memorySizeMB
        self.maxMemoryUsedMB = maxMemoryUsedMB
        self.instanceID = instanceID
        self.output = output
    }

    /// The invocation's log text as Lambda shows it: `START`, the function's output, `END` and
    /// `REPORT`. A throttled request never ran and has none.
    public var logs: String {
        guard outcome != .throttled else { return output }
        return LambdaLogLines.start(requestID: requestID, version: version) + "\n" + output
            + LambdaLogLines.end(requestID: requestID) + "\n" + LambdaLogLines.report(self) + "\n"
    }

    /// Lambda bills each started millisecond.
    public static func billed(durationMs: Double) -> Int { max(1, Int(durationMs.rounded(.up))) }

    /// GB-seconds this invocation costs: billed ms × memory GB.
    public var gigabyteSeconds: Double { Double(billedDurationMs) / 1000 * Double(memorySizeMB) / 1024 }
}

/// Lambda's `START` / `END` / `REPORT` lines around an invocation's own output.
public enum LambdaLogLines {
    /// `%.2f` without `String(format:)`, which is slow on Linux and runs for every invocation.
    static func twoDecimals(_ value: Double) -> String {
        let hundredths = Int((max(value, 0) * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    public static func start(requestID: String, version: String) -> String {
        "START RequestId: \(requestID) Version: \(version)"
    }

    public static func end(requestID: String) -> String { "END RequestId: \(requestID)" }

    public static func report(_ r: InvocationRecord) -> String {
        var line =
            "REPORT RequestId: \(r.requestID)\tDuration: \(twoDecimals(r.durationMs)) ms\tBilled Duration: \(r.billedDurationMs) ms\tMemory Size: \(r.memorySizeMB) MB"
        if let used = r.maxMemoryUsedMB { line += "\tMax Memory Used: \(used) MB" }
        if let initMs = r.initDurationMs { line += "\tInit Duration: \(twoDecimals(initMs)) ms" }
        if r.outcome != .success && r.outcome != .functionError { line += "\tStatus: \(r.outcome.rawValue)" }
        return line
    }
}
