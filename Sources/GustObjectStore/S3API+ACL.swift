import Foundation
import GustAWSWire

/// Get/PutBucketAcl and Get/PutObjectAcl. The ACL is stored with the bucket or object; only
/// AllUsers' grants have an effect (anonymous requests), every signed caller being the owner.
extension S3API {
    func getBucketACL(_ bucket: String) async throws(S3Error) -> AWSResponse {
        let record = try await objects.bucket(bucket)
        return Self.xml((record.acl ?? .private).policyXML())
    }

    func putBucketACL(_ request: S3Request, _ bucket: String) async throws(S3Error) -> AWSResponse {
        let acl = try await Self.requestedACL(request)
        try await objects.store.setBucketACL(acl, bucket: bucket)
        return AWSResponse(status: 200, headers: [], body: [])
    }

    func getObjectACL(_ bucket: String, _ key: String) async throws(S3Error) -> AWSResponse {
        let record = try await objects.object(bucket: bucket, key: key)
        return Self.xml((record.acl ?? .private).policyXML())
    }

    func putObjectACL(_ request: S3Request, _ bucket: String, _ key: String) async throws(S3Error) -> AWSResponse {
        let acl = try await Self.requestedACL(request)
        try await objects.setACL(bucket: bucket, key: key, acl: acl)
        return AWSResponse(status: 200, headers: [], body: [])
    }

    /// An object's `?acl`: GET and PUT only. Anything else is refused here, so that `DELETE ?acl`
    /// or `POST ?acl` never reaches the object itself.
    func objectACLRequest(_ request: S3Request, _ bucket: String, _ key: String) async throws(S3Error) -> AWSResponse {
        switch request.method {
        case "GET": return try await getObjectACL(bucket, key)
        case "PUT": return try await putObjectACL(request, bucket, key)
        default: throw S3Error(.methodNotAllowed, "The specified method is not allowed against this resource.")
        }
    }

    /// The ACL a Put…Acl sets: from its headers (canned or grants) or from its
    /// `AccessControlPolicy` body, not both.
    static func requestedACL(_ request: S3Request) async throws(S3Error) -> AccessControlList {
        let fromHeaders = try AccessControlList.fromHeaders(request.header)
        let body = try await request.document()
        let hasBody = body.contains { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }
        if let fromHeaders {
            guard !hasBody else { throw S3Error(.unexpectedContent, "This request does not support content") }
            return fromHeaders
        }
        guard hasBody else { throw S3Error(.missingSecurityHeader, "Your request was missing a required header") }
        return try AccessControlList.parsePolicy(body)
    }
}
