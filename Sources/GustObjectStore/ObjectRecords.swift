import Foundation

/// A bucket as stored.
public struct BucketRecord: Sendable, Equatable {
    public var name: String
    public var createdAt: Date
    public var region: String
    /// Nil: private (the owner's FULL_CONTROL), what a bucket created without one has.
    public var acl: AccessControlList?

    public init(name: String, createdAt: Date = Date(), region: String = "us-east-1", acl: AccessControlList? = nil) {
        self.name = name
        self.createdAt = createdAt
        self.region = region
        self.acl = acl
    }
}

/// One object's metadata; its bytes are a blob in the `ObjectBackend`, named by `blobID`.
public struct ObjectRecord: Sendable, Equatable, Codable {
    public var bucket: String
    public var key: String
    public var blobID: String
    public var size: Int64
    /// Without quotes: hex MD5, or `md5-of-md5s-N` for a multipart upload.
    public var etag: String
    public var lastModified: Date
    /// Content-Type, Content-Encoding, Content-Disposition, Cache-Control, Content-Language, Expires.
    public var contentHeaders: [String: String]
    /// `x-amz-meta-*`, names lower-cased and without the prefix.
    public var userMetadata: [String: String]
    /// `x-amz-checksum-*` values by algorithm (`CRC32`, `CRC32C`, `SHA1`, `SHA256`), base64.
    public var checksums: [String: String]
    public var tags: [String: String]
    /// Increases with every write of the key (a notification's `sequencer`).
    public var sequencer: Int64
    /// A multipart object's parts in order (GET `?partNumber`, GetObjectAttributes); nil for an
    /// object written whole.
    public var parts: [ObjectPart]?
    /// `COMPOSITE` (a checksum of the parts' checksums, `-N`) or `FULL_OBJECT`; nil without checksums.
    public var checksumType: String?
    /// Nil: private. Optional so that records stored before ACLs existed decode as private.
    public var acl: AccessControlList?

    public init(
        bucket: String, key: String, blobID: String, size: Int64, etag: String, lastModified: Date = Date(),
        contentHeaders: [String: String] = [:], userMetadata: [String: String] = [:], checksums: [String: String] = [:],
        tags: [String: String] = [:], sequencer: Int64 = 0, parts: [ObjectPart]? = nil, checksumType: String? = nil,
        acl: AccessControlList? = nil
    ) {
        self.bucket = bucket
        self.key = key
        self.blobID = blobID
        self.size = size
        self.etag = etag
        self.lastModified = lastModified
        self.contentHeaders = contentHeaders
        self.userMetadata = userMetadata
        self.checksums = checksums
        self.tags = tags
        self.sequencer = sequencer
        self.parts = parts
        self.checksumType = checksumType
        self.acl = acl
    }
}

/// One part of a multipart object, as completed.
public struct ObjectPart: Sendable, Equatable, Codable {
    public var size: Int64
    public var checksums: [String: String]

    public init(size: Int64, checksums: [String: String] = [:]) {
        self.size = size
        self.checksums = checksums
    }
}

/// Where buckets and object metadata live. Every method is one transaction.
public protocol ObjectMetadataStore: MultipartStore, ObjectEventStore {
    /// False when the bucket exists already.
    func createBucket(_ bucket: BucketRecord) async throws(S3Error) -> Bool
    func bucket(named name: String) async throws(S3Error) -> BucketRecord?
    func buckets() async throws(S3Error) -> [BucketRecord]
    /// Fails with `BucketNotEmpty` while it holds objects. Uploads in progress go with it: returns
    /// their parts' blobs, for the caller to delete.
    func deleteBucket(named name: String) async throws(S3Error) -> [String]

    /// Stores the object, replacing the key's previous version; returns the record as stored (with
    /// its sequencer) and the blob the previous version used, for the caller to delete. `event`
    /// (its name and origin) is stored with it when the bucket has a notification configuration.
    func putObject(_ object: ObjectRecord, event: ObjectEvent?) async throws(S3Error) -> (stored: ObjectRecord, replacedBlob: String?)
    func object(bucket: String, key: String) async throws(S3Error) -> ObjectRecord?
    /// Removes the key; returns its blob, nil when there was none (and then stores no event).
    func deleteObject(bucket: String, key: String, event: ObjectEvent?) async throws(S3Error) -> String?
    /// Replaces the bucket's notification configuration; nil removes it.
    func setNotification(_ configuration: NotificationConfiguration?, bucket: String) async throws(S3Error)
    func notification(bucket: String) async throws(S3Error) -> NotificationConfiguration?
    /// Replaces the bucket's ACL; `NoSuchBucket` when there is none.
    func setBucketACL(_ acl: AccessControlList, bucket: String) async throws(S3Error)
    /// Keys of `bucket` starting with `prefix`, in UTF-8 byte order, strictly after `after`, at most `limit`.
    func objects(bucket: String, prefix: String, after: String?, limit: Int) async throws(S3Error) -> [ObjectRecord]
    /// Every blob an object or an upload's part names.
    func referencedBlobIDs() async throws(S3Error) -> Set<String>
}
