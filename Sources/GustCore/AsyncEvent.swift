import Foundation

/// An `Event` invocation waiting in the durable queue.
public struct AsyncEvent: Sendable, Equatable {
    public var id: Int64
    public var requestID: String
    public var functionName: String
    public var qualifier: String?
    public var payload: [UInt8]
    public var attempts: Int
    public var enqueuedAt: Date
    public var notBefore: Date
    /// What caused it, as invocation records name it: `async` for Invoke with `Event`, `s3`, …
    public var source: String

    public init(
        id: Int64 = 0, requestID: String, functionName: String, qualifier: String?, payload: [UInt8],
        attempts: Int = 0, enqueuedAt: Date = Date(), notBefore: Date = Date(), source: String = "async"
    ) {
        self.source = source
        self.id = id
        self.requestID = requestID
        self.functionName = functionName
        self.qualifier = qualifier
        self.payload = payload
        self.attempts = attempts
        self.enqueuedAt = enqueuedAt
        self.notBefore = notBefore
    }
}
