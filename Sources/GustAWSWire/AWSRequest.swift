/// A request for an AWS service, as the gateway hands it over: already read and (when signed)
/// verified. Free of any HTTP library's types, so a service module needs neither Hummingbird nor
/// NIO and its handler can be tested with plain values.
public struct AWSRequest: Sendable {
    public var method: String
    /// The path as sent, still percent-encoded.
    public var path: String
    /// The query as sent, without `?`; nil when there was none.
    public var query: String?
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// For a service that streams request bodies, the body as it arrives; `body` is then empty.
    public var bodyStream: AWSBodyStream?
    /// `host[:port]` as the client addressed the server, for URLs the service hands back.
    public var host: String
    /// Who signed the request; nil for an unsigned one (the service decides what it may do).
    public var caller: AWSCaller?

    public init(
        method: String, path: String, query: String? = nil, headers: [(name: String, value: String)],
        body: [UInt8], bodyStream: AWSBodyStream? = nil, host: String, caller: AWSCaller?
    ) {
        self.bodyStream = bodyStream
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.host = host
        self.caller = caller
    }

    /// The first value of header `name`, compared without case.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveEquals(name) }?.value
    }
}

/// The verified signer of a request: its access key, the region of its credential scope, and
/// whom the key belongs to (`root`, `function:NAME`).
public struct AWSCaller: Sendable, Equatable {
    public var accessKey: String
    public var region: String
    public var principal: String

    public init(accessKey: String, region: String, principal: String = "") {
        self.accessKey = accessKey
        self.region = region
        self.principal = principal
    }
}

extension String {
    func caseInsensitiveEquals(_ other: String) -> Bool {
        utf8.count == other.utf8.count && lowercased() == other.lowercased()
    }
}
