// Hand-written: no available Swift library verifies SigV4 on the server side, so Gust carries
// its own signer and verifier.
//
// The verifier is deliberately lenient where clients legitimately differ (path encoding,
// payload hash of presigned URLs) by trying each accepted canonical form, and strict where
// security depends on it (constant-time comparison, clock skew, expiry, body hash).

import Foundation

/// Verifies AWS Signature Version 4 requests, in the header form and the presigned query form.
public struct SigV4Verifier: Sendable {
    let credentials: @Sendable (String) -> SigV4Key?
    public let maxClockSkew: TimeInterval

    /// Signing keys change once a day per key and scope; deriving one costs four HMACs.
    private let keys = SigningKeyCache()

    /// - Parameters:
    ///   - keys: what is known of an access key, nil when the key is unknown (or revoked).
    ///   - maxClockSkew: how far the header form's signing time may be from now, either way.
    public init(keys: @escaping @Sendable (String) -> SigV4Key?, maxClockSkew: TimeInterval = 900) {
        self.credentials = keys
        self.maxClockSkew = maxClockSkew
    }

    /// A verifier for plain keys: `credentials` returns the secret for an access key; the
    /// principal is the access key itself.
    public init(credentials: @escaping @Sendable (String) -> String?, maxClockSkew: TimeInterval = 900) {
        self.init(keys: { key in credentials(key).map { SigV4Key(secret: $0, principal: key) } }, maxClockSkew: maxClockSkew)
    }

    /// Checks `request`'s signature; on success says who signed it.
    public func verify(_ request: SigV4Request, now: Date = Date()) -> Result<SigV4Identity, SigV4Error> {
        Result { () throws(SigV4Error) -> SigV4Identity in try check(request, now: now) }
    }

    /// What can be checked before the body is read: the authorization is well formed, the key is
    /// known and the time is within bounds. A server calls this first so that a client without a
    /// valid key cannot make it buffer a large body.
    public func preflight(_ request: SigV4Request, now: Date = Date()) -> SigV4Error? {
        do throws(SigV4Error) {
            var headersOnly = request
            headersOnly.payloadHash = SigV4Canonical.unsignedPayload
            let auth = try SigV4Authorization.parse(headersOnly)
            guard let key = credentials(auth.accessKey) else {
                throw SigV4Error(.invalidAccessKey, "unknown access key \(auth.accessKey)")
            }
            try checkSessionToken(key, request)
            try checkTime(auth, now: now)
            return nil
        } catch {
            return error
        }
    }

    private func check(_ request: SigV4Request, now: Date) throws(SigV4Error) -> SigV4Identity {
        var request = request
        request.resolvePayloadHash()
        let auth = try SigV4Authorization.parse(request)
        guard let key = credentials(auth.accessKey) else {
            throw SigV4Error(.invalidAccessKey, "unknown access key \(auth.accessKey)")
        }
        try checkSessionToken(key, request)
        guard auth.timestamp.hasPrefix(auth.scopeDate) else {
            throw SigV4Error(
                .signatureMismatch,
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
                    + "'\(auth.scopeDate)' != '\(auth.timestamp.prefix(8))', from '\(auth.timestamp)'.")
        }
        try checkTime(auth, now: now)

        let mac = keys.mac(secret: key.secret, date: auth.scopeDate, region: auth.region, service: auth.service)
        let scope = SigV4Canonical.scope(date: auth.scopeDate, region: auth.region, service: auth.service)
        let headerBlock = SigV4Canonical.canonicalHeaders(request.headers, signedHeaders: auth.signedHeaders)
        let signedHeaders = auth.signedHeaders.joined(separator: ";")
        let signature = auth.signature.lowercased()
        let payloads = payloadCandidates(auth, request)

        var tried: [String] = []
        for candidate in uriCandidates(rawPath: request.rawPath, service: auth.service) {
            // Built one at a time: the first form almost always matches, and the others cost
            // as much as the rest of the check.
            let uri = candidate()
            if tried.contains(uri) { continue }
            tried.append(uri)
            for payload in payloads {
                let canonical = SigV4Canonical.request(
                    method: request.method, uri: uri, query: auth.canonicalQuery, headerBlock: headerBlock,
                    signedHeaders: signedHeaders, payloadHash: payload)
                let expected = SigV4Crypto.signature(
                    mac: mac,
                    stringToSign: SigV4Canonical.stringToSign(
                        timestamp: auth.timestamp, scope: scope, canonicalRequest: canonical))
                guard SigV4Crypto.constantTimeEquals(expected, signature) else { continue }
                try checkClaimedPayload(payload, request)
                return SigV4Identity(
                    accessKey: auth.accessKey, region: auth.region, service: auth.service, date: auth.date,
                    payloadHash: payload, signature: signature, principal: key.principal)
            }
        }
        throw SigV4Error(.signatureMismatch, "no canonical form of the request matches the signature")
    }

    /// A temporary key is only good with its token, and a token only with its key: AWS refuses
    /// both mismatches the same way, as an invalid security token. Whether the token is signed
    /// is the client's business (botocore signs it), as on AWS.
    func checkSessionToken(_ key: SigV4Key, _ request: SigV4Request) throws(SigV4Error) {
        let sent = request.header("X-Amz-Security-Token") ?? request.queryValue("X-Amz-Security-Token")
        switch (key.sessionToken, sent) {
        case (nil, nil):
            return
        case (.some(let expected), .some(let given)) where SigV4Crypto.constantTimeEquals(expected, given.trimmingSpaces()):
            return
        case (.some, nil):
            throw SigV4Error(.invalidAccessKey, "the key needs its session token")
        default:
            throw SigV4Error(.invalidAccessKey, "the session token does not belong to the key")
        }
    }

    /// The chain of chunk signatures that a verified streaming upload
    /// (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD…`) must continue; nil when its key is gone.
    /// `timestamp` is the request's `X-Amz-Date`.
    public func chunkSigner(for identity: SigV4Identity, timestamp: String) -> ChunkSigner? {
        guard let key = credentials(identity.accessKey) else { return nil }
        let date = String(timestamp.prefix(8))
        let mac = keys.mac(secret: key.secret, date: date, region: identity.region, service: identity.service)
        return ChunkSigner(
            mac: mac, timestamp: timestamp,
            scope: SigV4Canonical.scope(date: date, region: identity.region, service: identity.service), seed: identity.signature)
    }

    private func checkTime(_ auth: SigV4Authorization, now: Date) throws(SigV4Error) {
        let minutes = Int(maxClockSkew / 60)
        if auth.date.timeIntervalSince(now) > maxClockSkew {
            throw SigV4Error(
                .requestExpired,
                "Signature not yet current: \(auth.timestamp) is still later than "
                    + "\(AmzDate.format(now + maxClockSkew)) (\(AmzDate.format(now)) + \(minutes) min.)")
        }
        if let expires = auth.expires {
            let end = auth.date + TimeInterval(expires)
            if now > end {
                throw SigV4Error(
                    .requestExpired,
                    "Signature expired: the presigned URL was valid until \(AmzDate.format(end)); "
                        + "it is now \(AmzDate.format(now)).")
            }
        } else if now.timeIntervalSince(auth.date) > maxClockSkew {
            throw SigV4Error(
                .requestExpired,
                "Signature expired: \(auth.timestamp) is now earlier than "
                    + "\(AmzDate.format(now - maxClockSkew)) (\(AmzDate.format(now)) - \(minutes) min.)")
        }
    }

    /// The canonical URIs a well-behaved client may have signed for `rawPath`, preferred first.
    /// S3: each segment decoded and re-encoded once, then the path exactly as sent (clients that
    /// sign the wire path verbatim). Other services: the double encoding botocore and the AWS
    /// SDKs use, then the single encoding of clients that do not double-encode.
    func uriCandidates(rawPath: String, service: String) -> [() -> String] {
        let path = rawPath.isEmpty ? "/" : rawPath
        return service == "s3"
            ? [{ SigV4Canonical.singleEncodedPath(path) }, { path }]
            : [
                { SigV4Canonical.doubleEncodedPath(path) },
                { SigV4Canonical.singleEncodedPath(SigV4Canonical.removeDotSegments(path)) },
            ]
    }

    /// Header form: `x-amz-content-sha256` when sent (signed literally, whatever it says), else
    /// the body's digest. Presigned form: `UNSIGNED-PAYLOAD`, or the body's digest as botocore's
    /// non-S3 presigner signs it.
    private func payloadCandidates(_ auth: SigV4Authorization, _ request: SigV4Request) -> [String] {
        switch auth.form {
        case .header:
            return [
                request.header("x-amz-content-sha256")?.trimmingSpaces()
                    ?? request.actualPayloadHash
            ]
        case .query:
            return [SigV4Canonical.unsignedPayload, request.actualPayloadHash]
        }
    }

    /// A signed hex digest only protects the body if the body really has that digest; the
    /// literal placeholders (`UNSIGNED-PAYLOAD`, `STREAMING-…`) leave that to the handler.
    private func checkClaimedPayload(_ payload: String, _ request: SigV4Request) throws(SigV4Error) {
        guard payload != SigV4Canonical.unsignedPayload, !payload.hasPrefix("STREAMING-") else { return }
        guard payload.lowercased() == request.actualPayloadHash.lowercased() else {
            throw SigV4Error(.signatureMismatch, "x-amz-content-sha256 does not match the body's SHA-256")
        }
    }
}
