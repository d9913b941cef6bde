// Hand-written: no available Swift library verifies SigV4 on the server side, so Gust carries
// its own signer and verifier.
//
// Clients such as awscli and boto3 branch on AWS's error codes, so each failure maps to the code
// and message AWS itself would send; `detail` says more for Gust's own logs.

/// Why a request failed SigV4 verification.
public struct SigV4Error: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Equatable, CaseIterable {
        /// Neither an `Authorization` header nor presigned query parameters.
        case missingAuthentication
        /// Authentication present but malformed or lacking a required part.
        case incompleteSignature
        /// The access key is not known.
        case invalidAccessKey
        /// The signature (or the signed payload hash) does not match the request.
        case signatureMismatch
        /// The signing time is too far from now, or a presigned URL has expired.
        case requestExpired
    }

    public var code: Code
    /// What exactly was wrong, for logs and for the messages that carry it.
    public var detail: String

    public init(_ code: Code, _ detail: String = "") {
        self.code = code
        self.detail = detail
    }

    /// The `__type` AWS JSON services (Lambda, SQS) send for this failure.
    public var awsCode: String {
        switch code {
        case .missingAuthentication: "MissingAuthenticationTokenException"
        case .incompleteSignature: "IncompleteSignatureException"
        case .invalidAccessKey: "UnrecognizedClientException"
        case .signatureMismatch, .requestExpired: "InvalidSignatureException"
        }
    }

    /// The `<Code>` S3 sends for this failure, since S3 names them differently.
    public var s3Code: String {
        switch code {
        case .missingAuthentication, .requestExpired: "AccessDenied"
        case .incompleteSignature: "AuthorizationHeaderMalformed"
        case .invalidAccessKey: "InvalidAccessKeyId"
        case .signatureMismatch: "SignatureDoesNotMatch"
        }
    }

    /// The message AWS sends with `awsCode`.
    public var message: String {
        switch code {
        case .missingAuthentication:
            "Missing Authentication Token"
        case .incompleteSignature:
            detail.isEmpty ? "The request signature does not conform to AWS standards." : detail
        case .invalidAccessKey:
            "The security token included in the request is invalid."
        case .signatureMismatch:
            "The request signature we calculated does not match the signature you provided. "
                + "Check your AWS Secret Access Key and signing method."
        case .requestExpired:
            // The verifier's detail is AWS's full sentence ("Signature expired: … is now earlier
            // than …" or "Signature not yet current: …").
            detail.isEmpty ? "Signature expired" : detail
        }
    }

    /// Every SigV4 failure is a 403, as on AWS.
    public var httpStatus: Int { 403 }

    public var description: String {
        detail.isEmpty ? "\(awsCode): \(message)" : "\(awsCode): \(message) [\(detail)]"
    }
}
