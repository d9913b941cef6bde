/// One AWS-compatible service on the shared endpoint. The gateway's route table names each by
/// its SigV4 signing name; the implementation lives in the service's own module.
public protocol AWSService: Sendable {
    /// The service name of the SigV4 credential scope (`sqs`, `s3`, …).
    var signingName: String { get }
    /// The largest request body the service reads; a larger one gets `tooLarge` unread.
    var maxRequestBytes: Int { get }
    /// Whether an unsigned request has this service's wire form, judged from its head alone
    /// (method, path, headers, query); the body is not read yet.
    func matchesUnsigned(method: String, path: String, query: String?, header: (String) -> String?) -> Bool
    /// Answers a request; every failure is already an answer in the service's own error shape.
    func handle(_ request: AWSRequest) async -> AWSResponse
    /// The answer for a request refused before the service saw it, in the service's shape.
    func refusal(_ refusal: AWSRefusal) -> AWSResponse
    /// Whether the service reads request bodies as streams (`AWSRequest.bodyStream`) rather than
    /// whole; `maxRequestBytes` then bounds the stream.
    var streamsRequestBodies: Bool { get }
    /// Whether an unsigned request the service claims (`matchesUnsigned`) is handed over with
    /// `caller == nil`, for the service to authorize itself (S3's ACLs, and browser uploads whose
    /// policy is signed inside the form), rather than refused by the gateway. A request that
    /// carries any signature is never anonymous. Only for services that stream request bodies.
    var servesAnonymous: Bool { get }
}

extension AWSService {
    public var streamsRequestBodies: Bool { false }
    public var servesAnonymous: Bool { false }
}

/// Why the gateway refused a request for a service.
public enum AWSRefusal: Sendable, Equatable {
    /// The signature did not verify (or was missing): the AWS code and message, answered as 403.
    case unauthenticated(code: String, message: String)
    /// The body is over `maxRequestBytes`.
    case tooLarge(limit: Int)
}
