import GustCore

/// A request as the HTTP listener received it, before any routing: what `HTTPTriggers` decides
/// on, independent of the server that framed it.
public struct HTTPTriggerIncoming: Sendable {
    public var method: String
    /// The path as sent (still percent-encoded), without the query.
    public var path: String
    /// The query string as sent, without the `?`.
    public var query: String
    /// In arrival order, names as sent.
    public var headers: [(name: String, value: String)]
    /// Nil when the body was larger than the listener accepts.
    public var body: [UInt8]?
    public var remoteIP: String

    public init(
        method: String, path: String, query: String, headers: [(name: String, value: String)], body: [UInt8]?,
        remoteIP: String
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.remoteIP = remoteIP
    }

    /// The first value of a header (any case).
    public func header(_ name: String) -> String? {
        headers.first { ASCII.equalIgnoringCase($0.name, name) }?.value
    }
}
