import Foundation
import GustAWSWire

/// Requests without a signature (`caller == nil`): the gateway hands them over unverified, and
/// S3 serves what AllUsers' grants allow, as S3 does for anyone outside the account: READ on an
/// object to get or head it, READ on a bucket to list it, WRITE on a bucket to put or delete its
/// objects. Everything else is `AccessDenied`.
extension S3API {
    /// Parameters an anonymous object read or write may carry besides the signing ones.
    static let anonymousObjectParameters: Set<String> = ["versionId", "x-id"]

    func authorizeAnonymous(_ request: S3Request) async throws(S3Error) {
        let denied = S3Error(.accessDenied, "Access Denied")
        guard let name = request.bucket else { throw denied }
        // A bucket's existence is no secret on S3: a missing one is `NoSuchBucket` for anyone.
        guard let bucket = try await objects.store.bucket(named: name) else { throw S3Error.noSuchBucket(name) }
        let bucketACL = bucket.acl ?? .private
        guard let key = request.key else {
            // ListObjects (v1 and v2) and HeadBucket need READ; no other bucket operation is open.
            let listing = request.query.keys.allSatisfy { Self.listParameters.contains($0) }
            guard request.method == "GET" || request.method == "HEAD", listing, bucketACL.allowsEveryone(.read) else { throw denied }
            return
        }
        if request.query.keys.contains(where: { $0.hasPrefix("response-") }), request.method == "GET" {
            throw S3Error(.invalidRequest, "Request specific response headers cannot be used for anonymous GET requests.")
        }
        guard request.query.keys.allSatisfy({ Self.anonymousObjectParameters.contains($0) }) else { throw denied }
        switch request.method {
        case "GET", "HEAD":
            guard let object = try await objects.store.object(bucket: name, key: key) else {
                // Whether a key exists is only told to who may list the bucket.
                throw bucketACL.allowsEveryone(.read) ? S3Error.noSuchKey(name, key) : denied
            }
            guard (object.acl ?? .private).allowsEveryone(.read) else { throw denied }
        case "PUT":
            // A copy would read a source the caller has not been shown to be allowed to read.
            guard request.header("x-amz-copy-source") == nil, bucketACL.allowsEveryone(.write) else { throw denied }
        case "DELETE":
            guard bucketACL.allowsEveryone(.write) else { throw denied }
        default:
            throw denied
        }
    }
}
