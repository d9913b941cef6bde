// Hand-written: no available Swift library verifies SigV4 on the server side, so Gust carries
// its own signer and verifier; the signer sits beside the verifier so both share one
// canonicalisation and the `gust` CLI signs exactly the way the gateway checks.

import Foundation

/// Signs requests with AWS Signature Version 4, the way botocore does.
public struct SigV4Signer: Sendable {
    public let accessKey: String
    private let secretKey: String
    public let region: String
    public let service: String

    /// Headers that intermediaries add, drop or rewrite; signing them would break the signature
    /// in transit. The list is botocore's (1.44), plus `authorization`, which carries the signature.
    static let unsignedHeaders: Set<String> = [
        "authorization", "baggage", "connection", "expect", "keep-alive", "proxy-authenticate",
        "proxy-authorization", "te", "traceparent", "tracestate", "trailer", "transfer-encoding",
        "upgrade", "user-agent", "x-amzn-trace-id",
    ]

    public init(accessKey: String, secretKey: String, region: String, service: String) {
        self.accessKey = accessKey
        self.secretKey = secretKey
        self.region = region
        self.service = service
    }

    /// Signs a request and returns the headers to add to it: `Authorization`, `X-Amz-Date`
    /// and, for S3, `X-Amz-Content-Sha256`.
    ///
    /// `Host` is always signed. Its value is `headers["Host"]` when given, otherwise the URL's
    /// host plus any non-default port, which is what HTTP clients send; it is not returned,
    /// because clients set it themselves. An `X-Amz-Content-Sha256` in `headers` (for example
    /// `UNSIGNED-PAYLOAD`) is signed as the payload hash instead of the body's digest.
    public func sign(
        method: String, url: URL, headers: [String: String] = [:], body: [UInt8] = [],
        date: Date = Date()
    ) -> [String: String] {
        let timestamp = AmzDate.format(date)
        var signing: [String: String] = [:]
        for (name, value) in headers {
            let lower = name.lowercased()
            guard !Self.unsignedHeaders.contains(lower) else { continue }
            signing[lower] = signing[lower].map { "\($0),\(value)" } ?? value
        }
        signing["host"] = signing["host"] ?? Self.hostHeader(for: url)
        signing["x-amz-date"] = timestamp
        let payloadHash = signing["x-amz-content-sha256"] ?? SigV4Crypto.sha256Hex(body)
        // S3 insists on the header (it may be a literal such as UNSIGNED-PAYLOAD); other services
        // derive the hash from the body, as botocore does.
        if service == "s3" { signing["x-amz-content-sha256"] = payloadHash }

        let names = signing.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let signature = signature(
            method: method, url: url,
            query: SigV4Canonical.canonicalQuery(SigV4Canonical.queryPairs(url.query(percentEncoded: true))),
            headers: names.map { (name: $0, value: signing[$0] ?? "") }, signedHeaders: names,
            payloadHash: payloadHash, timestamp: timestamp)

        var added = [
            "Authorization": "\(SigV4Canonical.algorithm) Credential=\(accessKey)/\(scope(timestamp)), "
                + "SignedHeaders=\(names.joined(separator: ";")), Signature=\(signature)",
            "X-Amz-Date": timestamp,
        ]
        if service == "s3" { added["X-Amz-Content-Sha256"] = payloadHash }
        return added
    }

    /// Returns `url` with a presigned query (`X-Amz-Algorithm` … `X-Amz-Signature`) valid for
    /// `expires` seconds (clamped to AWS's 1 s…7 days). Only `host` is signed and the payload is
    /// `UNSIGNED-PAYLOAD`, so the URL works for any body, as S3 presigned URLs do.
    public func presign(
        method: String, url: URL, expires: TimeInterval = 3600, date: Date = Date()
    ) -> URL {
        let timestamp = AmzDate.format(date)
        let seconds = min(max(Int(expires.rounded()), 1), 604_800)
        var pairs = SigV4Canonical.queryPairs(url.query(percentEncoded: true))
        for (name, value) in [
            ("X-Amz-Algorithm", SigV4Canonical.algorithm),
            ("X-Amz-Credential", "\(accessKey)/\(scope(timestamp))"),
            ("X-Amz-Date", timestamp),
            ("X-Amz-Expires", String(seconds)),
            ("X-Amz-SignedHeaders", "host"),
        ] {
            pairs.append((Array(name.utf8), Array(value.utf8)))
        }
        let query = SigV4Canonical.canonicalQuery(pairs)
        let signature = signature(
            method: method, url: url, query: query,
            headers: [(name: "host", value: Self.hostHeader(for: url))], signedHeaders: ["host"],
            payloadHash: SigV4Canonical.unsignedPayload, timestamp: timestamp)

        // The canonical query is already fully encoded, so it is valid as the URL's query.
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return url }
        components.percentEncodedQuery = query + "&X-Amz-Signature=" + signature
        return components.url ?? url
    }

    /// The canonical URI for a path as it will go on the wire. S3 encodes it once; every other
    /// service encodes the already-encoded path again, which is what botocore (and therefore
    /// AWS's servers) do: `/functions/my-func%3A1` is signed as `/functions/my-func%253A1`.
    static func canonicalURI(encodedPath: String, service: String) -> String {
        service == "s3"
            ? SigV4Canonical.singleEncodedPath(encodedPath)
            : SigV4Canonical.doubleEncodedPath(encodedPath)
    }

    /// The `Host` header an HTTP client sends for `url`: the port only when it is not the
    /// scheme's default, IPv6 literals in brackets.
    static func hostHeader(for url: URL) -> String {
        var host = url.host(percentEncoded: true) ?? ""
        if host.contains(":"), !host.hasPrefix("[") { host = "[\(host)]" }
        let scheme = url.scheme?.lowercased()
        if let port = url.port, !(scheme == "http" && port == 80), !(scheme == "https" && port == 443) {
            host += ":\(port)"
        }
        return host
    }

    private func scope(_ timestamp: String) -> String {
        SigV4Canonical.scope(date: String(timestamp.prefix(8)), region: region, service: service)
    }

    private func signature(
        method: String, url: URL, query: String, headers: [(name: String, value: String)],
        signedHeaders: [String], payloadHash: String, timestamp: String
    ) -> String {
        let canonical = SigV4Canonical.request(
            method: method,
            uri: Self.canonicalURI(encodedPath: url.path(percentEncoded: true), service: service),
            query: query,
            headerBlock: SigV4Canonical.canonicalHeaders(headers, signedHeaders: signedHeaders),
            signedHeaders: signedHeaders.joined(separator: ";"), payloadHash: payloadHash)
        let key = SigV4Crypto.signingKey(
            secret: secretKey, date: String(timestamp.prefix(8)), region: region, service: service)
        return SigV4Crypto.signature(
            key: key,
            stringToSign: SigV4Canonical.stringToSign(
                timestamp: timestamp, scope: scope(timestamp), canonicalRequest: canonical))
    }
}
