import Foundation

/// A multipart upload in progress: where it will land and what the object will carry besides
/// its bytes (decided at CreateMultipartUpload, as S3 does).
public struct MultipartUpload: Sendable, Equatable, Codable {
    public var uploadID: String
    public var bucket: String
    public var key: String
    public var initiated: Date
    public var contentHeaders: [String: String]
    public var userMetadata: [String: String]
    public var tags: [String: String]
    /// `x-amz-checksum-algorithm` at creation: every part carries that checksum, and the object the
    /// composite of them.
    public var checksumAlgorithm: String?
    /// `x-amz-checksum-type`: `COMPOSITE` (the default) or `FULL_OBJECT`.
    public var checksumType: String?
    /// The ACL the object gets at completion (`x-amz-acl`/`x-amz-grant-*` at creation); nil: private.
    public var acl: AccessControlList?

    public init(
        uploadID: String = MultipartUpload.newID(), bucket: String, key: String, initiated: Date = Date(),
        contentHeaders: [String: String] = [:], userMetadata: [String: String] = [:], tags: [String: String] = [:],
        checksumAlgorithm: String? = nil, checksumType: String? = nil, acl: AccessControlList? = nil
    ) {
        self.uploadID = uploadID
        self.bucket = bucket
        self.key = key
        self.initiated = initiated
        self.contentHeaders = contentHeaders
        self.userMetadata = userMetadata
        self.tags = tags
        self.checksumAlgorithm = checksumAlgorithm
        self.checksumType = checksumType
        self.acl = acl
    }

    /// Opaque to clients, unguessable, and URL-safe without escaping.
    public static func newID() -> String {
        (UUID().uuidString + UUID().uuidString).lowercased().replacingOccurrences(of: "-", with: "")
    }
}

/// One uploaded part: its bytes are a blob of its own until the upload completes.
public struct PartRecord: Sendable, Equatable, Codable {
    public var uploadID: String
    public var number: Int
    public var blobID: String
    public var size: Int64
    /// Hex MD5, without quotes.
    public var etag: String
    public var lastModified: Date
    public var checksums: [String: String]

    public init(
        uploadID: String, number: Int, blobID: String, size: Int64, etag: String, lastModified: Date = Date(),
        checksums: [String: String] = [:]
    ) {
        self.uploadID = uploadID
        self.number = number
        self.blobID = blobID
        self.size = size
        self.etag = etag
        self.lastModified = lastModified
        self.checksums = checksums
    }
}

/// Where multipart uploads in progress live. Every method is one transaction.
public protocol MultipartStore: Sendable {
    /// Fails with `NoSuchBucket` when the bucket is gone.
    func createUpload(_ upload: MultipartUpload) async throws(S3Error)
    func upload(id: String) async throws(S3Error) -> MultipartUpload?
    /// Uploads of `bucket` whose keys start with `prefix`, by key then id, after `(key, id)`.
    func uploads(bucket: String, prefix: String, after: (key: String, uploadID: String?)?, limit: Int) async throws(S3Error)
        -> [MultipartUpload]
    /// Stores the part, replacing an earlier upload of the same number; returns that one's blob.
    /// Fails with `NoSuchUpload` when the upload was completed or aborted meanwhile.
    func putPart(_ part: PartRecord) async throws(S3Error) -> String?
    /// Parts numbered above `after`, in order, at most `limit`.
    func parts(uploadID: String, after: Int, limit: Int) async throws(S3Error) -> [PartRecord]
    /// Forgets the upload; returns its parts' blobs. `NoSuchUpload` when there is none.
    func abortUpload(id: String) async throws(S3Error) -> [String]
    /// Stores the object and forgets the upload in one transaction; returns the object as stored,
    /// the blob of the version it replaced, and every part's blob (all for the caller to delete).
    func completeUpload(id: String, object: ObjectRecord, event: ObjectEvent?) async throws(S3Error)
        -> (stored: ObjectRecord, replacedBlob: String?, partBlobs: [String])
    /// Where an upload completed in the last day went (a repeated Complete answers it again).
    func completedUpload(id: String) async throws(S3Error) -> (bucket: String, key: String, etag: String)?
}
