/// A service's answer, written by the gateway as it is.
public struct AWSResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// Sent instead of `body` when set (S3's GET of an object).
    public var streamed: AWSStreamedBody?

    public init(status: Int, headers: [(name: String, value: String)], body: [UInt8], streamed: AWSStreamedBody? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.streamed = streamed
    }
}
