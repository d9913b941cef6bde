// Hand-written: no available Swift library verifies SigV4 on the server side, so Gust carries
// its own signer and verifier.

import Foundation

/// Who signed a request that verified, and under which scope.
public struct SigV4Identity: Sendable, Equatable {
    /// The access key from the credential scope.
    public var accessKey: String
    /// The region from the credential scope. Any region is accepted; handlers may use it to
    /// build ARNs that look like the ones the client expects.
    public var region: String
    /// The service from the credential scope (`lambda`, `s3`, `sqs`, …).
    public var service: String
    /// When the request was signed (`X-Amz-Date`, or `Date` for the header form).
    public var date: Date
    /// The payload hash that was signed: a hex digest, `UNSIGNED-PAYLOAD` or
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD`. A handler that reads the body after verification
    /// checks the body against it (and, for streaming, verifies the chunk signatures).
    public var payloadHash: String
    /// The request's signature: the seed that S3 chunk signatures chain from.
    public var signature: String
    /// Who the key belongs to (`SigV4Key.principal`), for the audit trail.
    public var principal: String

    public init(
        accessKey: String, region: String, service: String, date: Date, payloadHash: String,
        signature: String, principal: String = ""
    ) {
        self.principal = principal
        self.accessKey = accessKey
        self.region = region
        self.service = service
        self.date = date
        self.payloadHash = payloadHash
        self.signature = signature
    }
}
