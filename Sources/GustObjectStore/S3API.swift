import Foundation
import GustAWSWire
import GustSigV4

#if canImport(FoundationXML)
import FoundationXML
#endif

/// The S3 REST API on the shared endpoint (signing name `s3`): path-style and virtual-host
/// requests routed by method, bucket, key and subresource to `ObjectService`. Bodies stream in
/// (`AWSBodyStream`) and object reads stream out as files.
public struct S3API: AWSService {
    let objects: ObjectService
    /// Host names under which `bucket.NAME` is virtual-host addressing.
    let virtualHostSuffixes: [String]
    /// Access keys, for the policies of browser uploads (signed inside the form, not the request).
    let signingKeys: @Sendable (String) -> SigV4Key?

    public init(
        objects: ObjectService, virtualHostSuffixes: [String] = ["localhost", "s3.localhost", "gust.internal"],
        signingKeys: @escaping @Sendable (String) -> SigV4Key? = { _ in nil }
    ) {
        self.objects = objects
        self.virtualHostSuffixes = virtualHostSuffixes
        self.signingKeys = signingKeys
    }

    public var signingName: String { "s3" }
    /// S3's single-PUT limit.
    public var maxRequestBytes: Int { 5 * 1024 * 1024 * 1024 }
    public var streamsRequestBodies: Bool { true }

    /// Unsigned requests are S3's unless they have another API's form: Lambda's dated paths
    /// (`/2015-03-31/…`, `/2021-10-31/…`), Gust's own `/gust/…`, SQS (`X-Amz-Target`, or the query
    /// protocol's `Action`). S3 answers them itself: anonymous access by ACL, or `AccessDenied`.
    public func matchesUnsigned(method: String, path: String, query: String?, header: (String) -> String?) -> Bool {
        if header("X-Amz-Target") != nil { return false }
        let first = path.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: true).first.map(String.init) ?? ""
        if first == "gust" || Self.isDatedAPIVersion(first) { return false }
        if S3Request.parseQuery(query)["Action"] != nil { return false }
        if method == "POST", header("Content-Type")?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true { return false }
        return true
    }

    /// Whether a path segment is an API version date (`2015-03-31`): Lambda's routes start so.
    static func isDatedAPIVersion(_ segment: String) -> Bool {
        let bytes = Array(segment.utf8)
        guard bytes.count == 10 else { return false }
        return bytes.enumerated().allSatisfy { index, byte in
            index == 4 || index == 7 ? byte == UInt8(ascii: "-") : (byte >= 0x30 && byte <= 0x39)
        }
    }

    /// Anonymous requests come to S3 unverified (`caller == nil`), to be judged by ACLs.
    public var servesAnonymous: Bool { true }

    public func refusal(_ refusal: AWSRefusal) -> AWSResponse {
        switch refusal {
        case .unauthenticated(let code, let message):
            let s3Code: S3Error.Code =
                switch code {
                case "UnrecognizedClientException", "InvalidClientTokenId": .invalidAccessKeyId
                case "MissingAuthenticationTokenException", "IncompleteSignatureException": .accessDenied
                default: .signatureDoesNotMatch
                }
            return S3Error(s3Code, message).response()
        case .tooLarge(let limit):
            return S3Error(.entityTooLarge, "Your proposed upload exceeds the maximum allowed size of \(limit) bytes.").response()
        }
    }

    public func handle(_ raw: AWSRequest) async -> AWSResponse {
        let request = S3Request(raw, virtualHostSuffixes: virtualHostSuffixes)
        do throws(S3Error) {
            if raw.caller == nil {
                // A browser upload authorizes itself (a signed policy, or a bucket AllUsers may
                // write); anything else unsigned is judged by the bucket's and object's ACLs.
                if request.method == "POST", let bucket = request.bucket, request.key == nil,
                    PostForm.boundary(contentType: request.header("Content-Type")) != nil
                {
                    return try await postObject(request, bucket)
                }
                try await authorizeAnonymous(request)
            }
            return try await route(request)
        } catch {
            var error = error
            if error.resource == nil, let bucket = request.bucket {
                error.resource = "/\(bucket)" + (request.key.map { "/\($0)" } ?? "")
            }
            var response = error.response()
            // A HEAD answer carries no body, only the status.
            if request.method == "HEAD" { response.body = [] }
            return response
        }
    }

    private func route(_ request: S3Request) async throws(S3Error) -> AWSResponse {
        guard let bucket = request.bucket else {
            guard request.method == "GET" else { throw S3Error(.methodNotAllowed, "The specified method is not allowed against this resource.") }
            return try await listBuckets(request)
        }
        guard let key = request.key else { return try await bucketRequest(request, bucket) }
        // An object subresource Gust does not serve must never fall through to the object itself
        // (`PUT ?acl` would replace it, `DELETE ?versionId=…` delete it).
        if let unknown = request.query.keys.first(where: { !Self.objectParameters.contains($0) && !Self.isSigningParameter($0) }) {
            throw S3Error(.notImplemented, "A parameter you provided implies functionality that is not implemented: \(unknown)")
        }
        if let version = request.query["versionId"], version != "null" {
            throw S3Error(.invalidArgument, "Invalid version id specified")
        }
        if request.has("acl") { return try await objectACLRequest(request, bucket, key) }
        switch request.method {
        case "PUT":
            if request.has("tagging") { return try await putTagging(request, bucket, key) }
            if let uploadID = request.query["uploadId"] { return try await uploadPart(request, bucket, key, uploadID: uploadID) }
            if request.header("x-amz-copy-source") != nil { return try await copyObject(request, bucket, key) }
            return try await putObject(request, bucket, key)
        case "GET":
            if request.has("tagging") { return try await getTagging(bucket, key) }
            if let uploadID = request.query["uploadId"] { return try await listParts(request, bucket, key, uploadID: uploadID) }
            if request.has("attributes") { return try await objectAttributes(request, bucket, key) }
            return try await getObject(request, bucket, key, head: false)
        case "HEAD":
            return try await getObject(request, bucket, key, head: true)
        case "DELETE":
            if request.has("tagging") {
                try await objects.setTags(bucket: bucket, key: key, tags: [:])
                return AWSResponse(status: 204, headers: [], body: [])
            }
            if let uploadID = request.query["uploadId"] { return try await abortUpload(bucket, key, uploadID: uploadID) }
            try ObjectService.validateKey(key)
            try await objects.delete(bucket: bucket, key: key, origin: request.origin)
            return AWSResponse(status: 204, headers: [], body: [])
        case "POST":
            if request.has("uploads") { return try await createUpload(request, bucket, key) }
            if let uploadID = request.query["uploadId"] { return try await completeUpload(request, bucket, key, uploadID: uploadID) }
            throw S3Error(.notImplemented, "This object operation is not implemented.")
        default:
            throw S3Error(.methodNotAllowed, "The specified method is not allowed against this resource.")
        }
    }

    // MARK: Buckets

    /// ListBuckets, paged (`max-buckets`, `continuation-token`: the last name shown) and filtered
    /// by `prefix`.
    private func listBuckets(_ request: S3Request) async throws(S3Error) -> AWSResponse {
        let prefix = request.query["prefix"] ?? ""
        let after = request.query["continuation-token"].flatMap { $0.isEmpty ? nil : $0 }
        var buckets = try await objects.store.buckets().filter { bucket in bucket.name.hasPrefix(prefix) && (after.map { bucket.name > $0 } ?? true) }
        var next: String?
        if let raw = request.query["max-buckets"] {
            guard let limit = Int(raw), (1...10_000).contains(limit) else {
                throw S3Error(.invalidArgument, "Argument max-buckets must be an integer between 1 and 10000")
            }
            if buckets.count > limit {
                buckets = Array(buckets.prefix(limit))
                next = buckets.last?.name
            }
        }
        let list = S3XML.element(
            "Buckets",
            children: buckets.map {
                S3XML.element("Bucket", children: [S3XML.element("Name", $0.name), S3XML.element("CreationDate", S3Date.iso($0.createdAt))])
            })
        let owner = S3XML.element("Owner", children: [S3XML.element("ID", Self.ownerID), S3XML.element("DisplayName", Self.ownerName)])
        var children = [owner, list]
        if let next { children.append(S3XML.element("ContinuationToken", next)) }
        if request.has("prefix") { children.append(S3XML.element("Prefix", prefix)) }
        return Self.xml(S3XML.element("ListAllMyBucketsResult", children: children))
    }

    private func bucketRequest(_ request: S3Request, _ bucket: String) async throws(S3Error) -> AWSResponse {
        switch request.method {
        case "PUT":
            if request.has("notification") {
                let configuration = try NotificationConfiguration.parse(try await request.document())
                try await objects.setNotification(configuration, bucket: bucket)
                return AWSResponse(status: 200, headers: [], body: [])
            }
            if request.has("acl") { return try await putBucketACL(request, bucket) }
            if !request.query.isEmpty { throw S3Error(.notImplemented, "This bucket subresource is not implemented.") }
            let acl = try AccessControlList.fromHeaders(request.header)
            _ = try await request.document()
            try await objects.createBucket(bucket, acl: acl)
            return AWSResponse(status: 200, headers: [("Location", "/\(bucket)")], body: [])
        case "HEAD":
            let record = try await objects.bucket(bucket)
            return AWSResponse(status: 200, headers: [("x-amz-bucket-region", record.region)], body: [])
        case "DELETE":
            // Only the bucket itself: `DELETE ?cors` and friends must not take it with them.
            if !request.query.isEmpty { throw S3Error(.notImplemented, "This bucket subresource is not implemented.") }
            try await objects.deleteBucket(bucket)
            return AWSResponse(status: 204, headers: [], body: [])
        case "GET":
            if request.has("location") {
                let record = try await objects.bucket(bucket)
                // us-east-1 is the empty constraint, as S3 answers it.
                let constraint = S3XML.element("LocationConstraint", record.region == "us-east-1" ? "" : record.region)
                return Self.xml(constraint)
            }
            if request.has("notification") {
                _ = try await objects.bucket(bucket)
                let configuration = try await objects.store.notification(bucket: bucket) ?? NotificationConfiguration()
                return Self.xml(configuration.xml())
            }
            if request.has("acl") { return try await getBucketACL(bucket) }
            if request.has("versioning") {
                _ = try await objects.bucket(bucket)
                return Self.xml(XMLElement(name: "VersioningConfiguration"))
            }
            if request.has("uploads") { return try await listUploads(request, bucket) }
            if request.has("versions") { return try await listVersions(request, bucket) }
            if request.query.keys.contains(where: { !Self.listParameters.contains($0) }) {
                throw S3Error(.notImplemented, "This bucket subresource is not implemented.")
            }
            return try await listObjects(request, bucket)
        case "POST":
            if request.has("delete") { return try await deleteObjects(request, bucket) }
            if request.query.isEmpty, PostForm.boundary(contentType: request.header("Content-Type")) != nil {
                return try await postObject(request, bucket)
            }
            throw S3Error(.notImplemented, "This bucket operation is not implemented.")
        default:
            throw S3Error(.methodNotAllowed, "The specified method is not allowed against this resource.")
        }
    }

    static let listParameters: Set<String> = [
        "list-type", "prefix", "delimiter", "max-keys", "continuation-token", "start-after", "encoding-type", "marker",
        "fetch-owner", "x-id",
    ]

    /// Query parameters an object request may carry.
    static let objectParameters: Set<String> = [
        "acl", "tagging", "uploadId", "uploads", "partNumber", "versionId", "x-id", "max-parts", "part-number-marker", "encoding-type",
        "attributes",
        "response-content-type", "response-content-language",
        "response-expires", "response-cache-control", "response-content-disposition", "response-content-encoding",
    ]

    /// A presigned URL's own parameters (SigV4 and version 2).
    static func isSigningParameter(_ name: String) -> Bool {
        name.hasPrefix("X-Amz-") || name.hasPrefix("x-amz-") || name == "AWSAccessKeyId" || name == "Signature" || name == "Expires"
    }

    /// The one account's display name in listings and ACLs; `ownerID` is its canonical ID.
    static let ownerName = "gust"
    static let ownerID = "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a"

    static func xml(_ root: XMLElement, status: Int = 200) -> AWSResponse {
        AWSResponse(
            status: status, headers: [("Content-Type", "application/xml")], body: S3XML.document(root, namespaced: true))
    }
}
