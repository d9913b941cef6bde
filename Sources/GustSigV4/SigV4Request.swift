// Hand-written: no available Swift library verifies SigV4 on the server side, so Gust carries
// its own signer and verifier.
//
// Kept free of any HTTP library's types so the gateway (Hummingbird), tests and tools can all
// feed the verifier without converting through each other.

import GustCore

/// What `SigV4Verifier` needs to know about an incoming request.
public struct SigV4Request: Sendable {
    /// The HTTP method, e.g. `GET`.
    public var method: String
    /// The path exactly as it appeared on the request line: still percent-encoded, no query.
    /// The verifier must see the client's own encoding, because that is what the client signed.
    public var rawPath: String
    /// The query exactly as sent, without the leading `?`; nil when there was none.
    public var rawQuery: String?
    /// Every header as received. Names may be in any case and may repeat.
    public var headers: [(name: String, value: String)]
    /// The body, hashed when `payloadHash` is nil.
    public var body: [UInt8]
    /// Lowercase hex SHA-256 of the body, for callers that hashed it themselves (for example
    /// while streaming it to disk); when set, `body` is ignored. A caller that verifies before
    /// reading the body may pass the client's claimed `x-amz-content-sha256` here, and must
    /// then compare it with the body it reads (`SigV4Identity.payloadHash`).
    public var payloadHash: String?

    public init(
        method: String, rawPath: String, rawQuery: String? = nil,
        headers: [(name: String, value: String)], body: [UInt8] = []
    ) {
        self.method = method
        self.rawPath = rawPath
        self.rawQuery = rawQuery
        self.headers = headers
        self.body = body
        self.payloadHash = nil
    }

    public init(
        method: String, rawPath: String, rawQuery: String? = nil,
        headers: [(name: String, value: String)], payloadHash: String
    ) {
        self.init(method: method, rawPath: rawPath, rawQuery: rawQuery, headers: headers)
        self.payloadHash = payloadHash
    }

    /// The first value of the header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { ASCII.equalIgnoringCase($0.name, name) }?.value
    }

    /// The decoded value of the query parameter `name`; the query is only parsed when it
    /// mentions the name at all (most requests have no query, or none of interest).
    func queryValue(_ name: String) -> String? {
        guard let rawQuery, rawQuery.contains(name) else { return nil }
        let wanted = Array(name.utf8)
        return SigV4Canonical.queryPairs(rawQuery).first { $0.name == wanted }.map { String(decoding: $0.value, as: UTF8.self) }
    }

    /// The hash of the bytes actually received (or as vouched for by the caller).
    var actualPayloadHash: String {
        payloadHash ?? SigV4Crypto.sha256Hex(body)
    }

    /// Hashes the body once for every later use.
    mutating func resolvePayloadHash() {
        if payloadHash == nil { payloadHash = SigV4Crypto.sha256Hex(body) }
    }
}
