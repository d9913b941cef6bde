import Foundation
import GustAWSWire

/// S3's rules over an `ObjectMetadataStore` and an `ObjectBackend`: names, limits, conditional
/// requests, digests. The metadata is committed only after the blob is durable, and a replaced or
/// deleted object's blob is removed only after the metadata no longer names it, so a crash never
/// leaves an object without its bytes (at worst a blob no object names, collected at start).
public final class ObjectService: Sendable {
    public let store: any ObjectMetadataStore
    public let backend: any ObjectBackend
    public let region: String
    /// Called after a change that stored an event, so that delivery starts at once.
    let eventsCommitted: @Sendable () -> Void
    /// Whether a notification rule's function or queue exists (S3 validates destinations).
    let destinationExists: @Sendable (NotificationConfiguration.Rule) async -> Bool
    /// Called with every bucket's name after one was created or deleted (functions' host names).
    let bucketsChanged: @Sendable ([String]) -> Void

    public init(
        store: any ObjectMetadataStore, backend: any ObjectBackend, region: String = "us-east-1",
        eventsCommitted: @escaping @Sendable () -> Void = {},
        bucketsChanged: @escaping @Sendable ([String]) -> Void = { _ in },
        destinationExists: @escaping @Sendable (NotificationConfiguration.Rule) async -> Bool = { _ in true }
    ) {
        self.store = store
        self.backend = backend
        self.region = region
        self.eventsCommitted = eventsCommitted
        self.destinationExists = destinationExists
        self.bucketsChanged = bucketsChanged
    }

    // MARK: Buckets

    public func createBucket(_ name: String, acl: AccessControlList? = nil) async throws(S3Error) {
        try Self.validateBucketName(name)
        guard try await store.createBucket(BucketRecord(name: name, region: region, acl: acl)) else {
            // us-east-1 answers a repeated CreateBucket of one's own bucket with success (and
            // leaves the bucket as it was); other regions refuse it.
            if region == "us-east-1" { return }
            throw S3Error(
                .bucketAlreadyOwnedByYou, "Your previous request to create the named bucket succeeded and you already own it.",
                resource: "/\(name)")
        }
        await announceBuckets()
    }

    private func announceBuckets() async {
        if let buckets = try? await store.buckets() { bucketsChanged(buckets.map(\.name)) }
    }

    public func bucket(_ name: String) async throws(S3Error) -> BucketRecord {
        guard let bucket = try await store.bucket(named: name) else { throw S3Error.noSuchBucket(name) }
        return bucket
    }

    public func deleteBucket(_ name: String) async throws(S3Error) {
        for blob in try await store.deleteBucket(named: name) { await backend.delete(blob) }
        await announceBuckets()
    }

    /// Deletes the blobs no object or part names: left by a crash between a blob's rename and the
    /// commit that names it. Only while nothing writes, so at start, before the endpoint serves.
    @discardableResult
    public func collectOrphans() async throws(S3Error) -> Int {
        let referenced = try await store.referencedBlobIDs()
        var collected = 0
        for blob in try await backend.blobIDs() where !referenced.contains(blob) {
            await backend.delete(blob)
            collected += 1
        }
        return collected
    }

    /// S3's rules for new bucket names: 3–63 characters of lower-case letters, digits, dots and
    /// hyphens, starting and ending with a letter or digit, not shaped like an IP address.
    public static func validateBucketName(_ name: String) throws(S3Error) {
        let bytes = Array(name.utf8)
        let valid =
            (3...63).contains(bytes.count)
            && bytes.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E || $0 == 0x2D }
            && isAlphanumeric(bytes.first!) && isAlphanumeric(bytes.last!)
            && !name.contains("..") && !name.contains(".-") && !name.contains("-.")
            && !isIPAddress(name)
        guard valid else { throw S3Error(.invalidBucketName, "The specified bucket is not valid.", resource: "/\(name)") }
    }

    static func isAlphanumeric(_ byte: UInt8) -> Bool { (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) }

    static func isIPAddress(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { Int($0).map { (0...255).contains($0) } ?? false }
    }

    // MARK: Objects

    public static func validateKey(_ key: String) throws(S3Error) {
        if key.isEmpty { throw S3Error(.invalidArgument, "An object key must not be empty.") }
        if key.utf8.count > 1024 { throw S3Error(.keyTooLong, "Your key is too long") }
    }

    /// What a PUT (or the end of a copy or multipart upload) writes besides the bytes.
    public struct WriteOptions: Sendable {
        public var contentHeaders: [String: String] = [:]
        public var userMetadata: [String: String] = [:]
        public var tags: [String: String] = [:]
        /// `x-amz-acl` or `x-amz-grant-*`; nil: private.
        public var acl: AccessControlList?
        /// Content-MD5, base64.
        public var contentMD5: String?
        /// Checksums the client sent (`x-amz-checksum-*` headers or trailers), by algorithm, base64.
        public var expectedChecksums: [BlobDigests.Algorithm: String] = [:]
        /// An algorithm to compute without a value to check (`x-amz-sdk-checksum-algorithm`, trailers).
        public var checksumAlgorithms: Set<BlobDigests.Algorithm> = []
        public var conditions: WriteConditions = WriteConditions()
        /// Where checksums sent as trailers (after an aws-chunked body) are found once it ended.
        public var trailers: AWSBodyStream?
        /// What a notification of the write says happened, and who did it.
        public var eventName = ObjectEvent.Name.put
        public var origin = ObjectEvent.Origin()

        public init() {}
    }

    public func put<Chunks: AsyncSequence & Sendable>(
        bucket: String, key: String, body: Chunks, options: WriteOptions
    ) async throws(S3Error) -> ObjectRecord where Chunks.Element == [UInt8] {
        try Self.validateKey(key)
        _ = try await self.bucket(bucket)
        try await checkWrite(options.conditions, bucket: bucket, key: key)
        let (blob, digests) = try await writeBlob(body, options: options)
        do throws(S3Error) {
            // Checked again at commit time: another writer may have won the race meanwhile.
            try await checkWrite(options.conditions, bucket: bucket, key: key)
            let record = ObjectRecord(
                bucket: bucket, key: key, blobID: blob, size: digests.size, etag: digests.md5Hex, contentHeaders: options.contentHeaders,
                userMetadata: options.userMetadata, checksums: digests.checksums, tags: options.tags, acl: options.acl)
            let event = ObjectEvent(bucket: bucket, key: key, name: options.eventName.rawValue, origin: options.origin)
            let (stored, replaced) = try await store.putObject(record, event: event)
            eventsCommitted()
            if let replaced { await backend.delete(replaced) }
            return stored
        } catch {
            await backend.delete(blob)
            throw error
        }
    }

    /// Streams `body` into a new blob and checks it against the digests the request declared
    /// (Content-MD5, `x-amz-checksum-*` headers or trailers); the blob is gone if they differ.
    func writeBlob<Chunks: AsyncSequence & Sendable>(
        _ body: Chunks, options: WriteOptions
    ) async throws(S3Error) -> (blob: String, digests: BlobDigests) where Chunks.Element == [UInt8] {
        let digests = BlobDigests(options.checksumAlgorithms.union(options.expectedChecksums.keys))
        let blob = try await backend.write(body, digests: digests)
        do throws(S3Error) {
            if let expected = options.contentMD5 {
                guard let raw = Data(base64Encoded: expected), raw.count == 16 else {
                    throw S3Error(.invalidDigest, "The Content-MD5 you specified was invalid.")
                }
                guard raw.map({ String(format: "%02x", $0) }).joined() == digests.md5Hex else {
                    throw S3Error(.badDigest, "The Content-MD5 you specified did not match what we received.")
                }
            }
            let checksums = digests.checksums
            var expected = options.expectedChecksums
            for (name, value) in options.trailers?.trailers ?? [] {
                if let algorithm = BlobDigests.Algorithm.allCases.first(where: { $0.header == name.lowercased() }) { expected[algorithm] = value }
            }
            for (algorithm, expected) in expected where checksums[algorithm.rawValue] != expected {
                throw S3Error(.badDigest, "The \(algorithm.rawValue) you specified did not match the calculated checksum.")
            }
            return (blob, digests)
        } catch {
            await backend.delete(blob)
            throw error
        }
    }

    public func object(bucket: String, key: String) async throws(S3Error) -> ObjectRecord {
        guard let object = try await store.object(bucket: bucket, key: key) else {
            _ = try await self.bucket(bucket)
            throw S3Error.noSuchKey(bucket, key)
        }
        return object
    }

    /// Deletes the key if it exists (deleting a missing key succeeds, as on S3); true when it did.
    @discardableResult
    public func delete(bucket: String, key: String, origin: ObjectEvent.Origin = ObjectEvent.Origin()) async throws(S3Error) -> Bool {
        _ = try await self.bucket(bucket)
        let event = ObjectEvent(bucket: bucket, key: key, name: ObjectEvent.Name.delete.rawValue, origin: origin)
        guard let blob = try await store.deleteObject(bucket: bucket, key: key, event: event) else { return false }
        eventsCommitted()
        await backend.delete(blob)
        return true
    }

    public func copy(
        from source: (bucket: String, key: String), to bucket: String, key: String, options: WriteOptions, replaceMetadata: Bool,
        sourceConditions: ReadConditions
    ) async throws(S3Error) -> ObjectRecord {
        let original = try await object(bucket: source.bucket, key: source.key)
        try sourceConditions.check(original, copySource: true)
        var options = options
        if !replaceMetadata {
            options.contentHeaders = original.contentHeaders
            options.userMetadata = original.userMetadata
        }
        options.eventName = .copy
        options.checksumAlgorithms.formUnion(original.checksums.keys.compactMap(BlobDigests.Algorithm.init(rawValue:)))
        return try await put(
            bucket: bucket, key: key, body: backend.read(original.blobID, offset: 0, length: original.size), options: options)
    }

    public func setTags(bucket: String, key: String, tags: [String: String]) async throws(S3Error) {
        var record = try await object(bucket: bucket, key: key)
        record.tags = tags
        _ = try await store.putObject(record, event: nil)
    }

    public func setACL(bucket: String, key: String, acl: AccessControlList) async throws(S3Error) {
        var record = try await object(bucket: bucket, key: key)
        record.acl = acl
        _ = try await store.putObject(record, event: nil)
    }

    /// Replaces the bucket's notification configuration once every destination exists.
    public func setNotification(_ configuration: NotificationConfiguration, bucket: String) async throws(S3Error) {
        _ = try await self.bucket(bucket)
        var missing: [String] = []
        for rule in configuration.rules where await !destinationExists(rule) { missing.append(rule.arn) }
        guard missing.isEmpty else {
            throw S3Error(.invalidArgument, "Unable to validate the following destination configurations: \(missing.joined(separator: ", "))")
        }
        try await store.setNotification(configuration.rules.isEmpty ? nil : configuration, bucket: bucket)
    }

    func checkWrite(_ conditions: WriteConditions, bucket: String, key: String) async throws(S3Error) {
        guard !conditions.isEmpty else { return }
        let existing = try await store.object(bucket: bucket, key: key)
        try conditions.check(existing)
    }

    // MARK: Listing

    public struct Listing: Sendable {
        public var objects: [ObjectRecord] = []
        public var commonPrefixes: [String] = []
        public var isTruncated = false
        /// The last key or common prefix returned: where the next page starts after.
        public var lastReturned: String?
    }

    /// Up to `maxKeys` objects and common prefixes after `after`, rolled up at `delimiter`.
    public func list(bucket: String, prefix: String, delimiter: String?, after: String?, maxKeys: Int) async throws(S3Error) -> Listing {
        _ = try await self.bucket(bucket)
        var listing = Listing()
        guard maxKeys > 0 else { return listing }
        var cursor = after
        let delimiter = delimiter.flatMap { $0.isEmpty ? nil : $0 }
        while true {
            let page = try await store.objects(bucket: bucket, prefix: prefix, after: cursor, limit: 1000)
            for object in page {
                if listing.objects.count + listing.commonPrefixes.count == maxKeys {
                    listing.isTruncated = true
                    return listing
                }
                if let delimiter, let common = Self.commonPrefix(object.key, prefix: prefix, delimiter: delimiter) {
                    if common != listing.commonPrefixes.last, common != after {
                        listing.commonPrefixes.append(common)
                        listing.lastReturned = common
                    }
                    // Every key under the common prefix is rolled into it: skip past them.
                    cursor = common + "\u{10FFFF}"
                    break
                }
                listing.objects.append(object)
                listing.lastReturned = object.key
                cursor = object.key
            }
            if page.isEmpty { return listing }
            if delimiter == nil, page.count < 1000 { return listing }
        }
    }

    /// The prefix up to and including the first `delimiter` after `prefix`, when there is one.
    static func commonPrefix(_ key: String, prefix: String, delimiter: String) -> String? {
        guard key.hasPrefix(prefix) else { return nil }
        let rest = key.dropFirst(prefix.count)
        guard let range = rest.range(of: delimiter) else { return nil }
        return prefix + rest[..<range.upperBound]
    }
}
