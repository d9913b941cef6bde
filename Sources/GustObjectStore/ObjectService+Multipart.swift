import Crypto
import Foundation
import GustAWSWire

/// Multipart uploads: parts are blobs of their own until completion joins them into the object's
/// blob (`ObjectBackend.compose`) and one transaction swaps the upload for the object.
extension ObjectService {
    /// S3's smallest part, except for the last.
    public static let minimumPartSize: Int64 = 5 * 1024 * 1024
    public static let partNumbers = 1...10_000

    public func createUpload(
        bucket: String, key: String, options: WriteOptions, checksumType: String? = nil
    ) async throws(S3Error) -> MultipartUpload {
        try Self.validateKey(key)
        let algorithm = options.checksumAlgorithms.first
        var type = checksumType?.uppercased()
        if let given = type {
            guard let algorithm, given == "COMPOSITE" || given == "FULL_OBJECT" else {
                throw S3Error(.invalidRequest, "The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.")
            }
            // A full-object checksum is only defined for the CRCs; a composite one for all but
            // CRC64NVME (as S3 has it).
            let allowed: Bool = given == "FULL_OBJECT" ? [.crc32, .crc32c, .crc64nvme].contains(algorithm) : algorithm != .crc64nvme
            if !allowed {
                throw S3Error(.invalidRequest, "The \(algorithm.rawValue) algorithm does not support the \(given) checksum type.")
            }
        } else if let algorithm {
            type = algorithm == .crc64nvme ? "FULL_OBJECT" : "COMPOSITE"
        }
        let upload = MultipartUpload(
            bucket: bucket, key: key, contentHeaders: options.contentHeaders, userMetadata: options.userMetadata, tags: options.tags,
            checksumAlgorithm: algorithm?.rawValue, checksumType: type, acl: options.acl)
        try await store.createUpload(upload)
        return upload
    }

    /// The upload `id` of `bucket/key`; `NoSuchUpload` for another key's, as S3 answers.
    public func upload(_ id: String, bucket: String, key: String) async throws(S3Error) -> MultipartUpload {
        guard let upload = try await store.upload(id: id), upload.bucket == bucket, upload.key == key else {
            _ = try await self.bucket(bucket)
            throw S3Error.noSuchUpload(id)
        }
        return upload
    }

    public func putPart<Chunks: AsyncSequence & Sendable>(
        bucket: String, key: String, uploadID: String, number: Int, body: Chunks, options: WriteOptions
    ) async throws(S3Error) -> PartRecord where Chunks.Element == [UInt8] {
        guard Self.partNumbers.contains(number) else {
            throw S3Error(.invalidArgument, "Part number must be an integer between 1 and 10000, inclusive")
        }
        let upload = try await upload(uploadID, bucket: bucket, key: key)
        var options = options
        if let algorithm = upload.checksumAlgorithm.flatMap(BlobDigests.Algorithm.init(rawValue:)) {
            options.checksumAlgorithms.insert(algorithm)
        }
        let (blob, digests) = try await writeBlob(body, options: options)
        let part = PartRecord(
            uploadID: uploadID, number: number, blobID: blob, size: digests.size, etag: digests.md5Hex, checksums: digests.checksums)
        do throws(S3Error) {
            if let replaced = try await store.putPart(part) { await backend.delete(replaced) }
        } catch {
            await backend.delete(blob)
            throw error
        }
        return part
    }

    /// UploadPartCopy: `range` of the source object (the whole of it when nil) as part `number`.
    public func copyPart(
        from source: (bucket: String, key: String), range: ClosedRange<Int64>?, sourceConditions: ReadConditions,
        to bucket: String, key: String, uploadID: String, number: Int
    ) async throws(S3Error) -> PartRecord {
        let original = try await object(bucket: source.bucket, key: source.key)
        try sourceConditions.check(original, copySource: true)
        let (offset, length): (Int64, Int64)
        if let range {
            guard range.upperBound < original.size else {
                throw S3Error(.invalidRange, "The requested range is not satisfiable")
            }
            (offset, length) = (range.lowerBound, range.upperBound - range.lowerBound + 1)
        } else {
            (offset, length) = (0, original.size)
        }
        return try await putPart(
            bucket: bucket, key: key, uploadID: uploadID, number: number,
            body: backend.read(original.blobID, offset: offset, length: length), options: WriteOptions())
    }

    /// What CompleteMultipartUpload names: each part's number and ETag (and checksums, not checked
    /// beyond what the part stored).
    public struct CompletedPart: Sendable, Equatable {
        public var number: Int
        public var etag: String

        public init(number: Int, etag: String) {
            self.number = number
            self.etag = etag
        }
    }

    public func completeUpload(
        bucket: String, key: String, uploadID: String, parts requested: [CompletedPart], conditions: WriteConditions,
        expectedChecksums: [BlobDigests.Algorithm: String] = [:], origin: ObjectEvent.Origin = ObjectEvent.Origin()
    ) async throws(S3Error) -> ObjectRecord {
        let upload: MultipartUpload
        do throws(S3Error) {
            upload = try await self.upload(uploadID, bucket: bucket, key: key)
        } catch {
            // Completing again what was completed answers it again, as S3 does, while the object
            // is still the one it made.
            if error.code == .noSuchUpload, let done = try await store.completedUpload(id: uploadID), done.bucket == bucket,
                done.key == key, let object = try await store.object(bucket: bucket, key: key), object.etag == done.etag
            {
                return object
            }
            throw error
        }
        guard !requested.isEmpty else {
            throw S3Error(.malformedXML, "The XML you provided was not well-formed or did not validate against our published schema")
        }
        for (previous, next) in zip(requested, requested.dropFirst()) where next.number <= previous.number {
            throw S3Error(.invalidPartOrder, "The list of parts was not in ascending order. Parts must be ordered by part number.")
        }
        var stored: [Int: PartRecord] = [:]
        var after = 0
        while true {
            let page = try await store.parts(uploadID: uploadID, after: after, limit: 1000)
            for part in page { stored[part.number] = part }
            guard let last = page.last, page.count == 1000 else { break }
            after = last.number
        }
        var chosen: [PartRecord] = []
        for (index, wanted) in requested.enumerated() {
            guard let part = stored[wanted.number], part.etag == Self.unquoted(wanted.etag) else {
                throw S3Error(
                    .invalidPart,
                    "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.")
            }
            if index < requested.count - 1, part.size < Self.minimumPartSize {
                throw S3Error(.entityTooSmall, "Your proposed upload is smaller than the minimum allowed object size.")
            }
            chosen.append(part)
        }
        try await checkWrite(conditions, bucket: bucket, key: key)
        let blob = try await backend.compose(chosen.map { ($0.blobID, $0.size) })
        do throws(S3Error) {
            var record = ObjectRecord(
                bucket: bucket, key: key, blobID: blob, size: chosen.reduce(0) { $0 + $1.size },
                etag: Self.multipartETag(chosen.map(\.etag)), contentHeaders: upload.contentHeaders, userMetadata: upload.userMetadata,
                tags: upload.tags, parts: chosen.map { ObjectPart(size: $0.size, checksums: $0.checksums) }, acl: upload.acl)
            if let algorithm = upload.checksumAlgorithm.flatMap(BlobDigests.Algorithm.init(rawValue:)) {
                let value: String
                if upload.checksumType == "FULL_OBJECT" {
                    // Over the whole object's bytes, read back once.
                    let digests = BlobDigests([algorithm])
                    do {
                        for try await chunk in backend.read(blob, offset: 0, length: record.size) { digests.update(chunk) }
                    } catch {
                        throw S3Error.internalError("cannot read the completed object back: \(error)")
                    }
                    value = digests.checksums[algorithm.rawValue] ?? ""
                } else {
                    value = Self.compositeChecksum(algorithm, chosen.compactMap { $0.checksums[algorithm.rawValue] })
                }
                record.checksums[algorithm.rawValue] = value
                record.checksumType = upload.checksumType
                if let expected = expectedChecksums[algorithm], expected != value, expected != value.split(separator: "-").first.map(String.init) {
                    throw S3Error(.badDigest, "The \(algorithm.rawValue) you specified did not match the calculated checksum.")
                }
            }
            try await checkWrite(conditions, bucket: bucket, key: key)
            let event = ObjectEvent(bucket: bucket, key: key, name: ObjectEvent.Name.completeMultipartUpload.rawValue, origin: origin)
            let (object, replaced, partBlobs) = try await store.completeUpload(id: uploadID, object: record, event: event)
            eventsCommitted()
            if let replaced { await backend.delete(replaced) }
            for part in partBlobs { await backend.delete(part) }
            return object
        } catch {
            await backend.delete(blob)
            throw error
        }
    }

    public func abortUpload(bucket: String, key: String, uploadID: String) async throws(S3Error) {
        _ = try await upload(uploadID, bucket: bucket, key: key)
        for blob in try await store.abortUpload(id: uploadID) { await backend.delete(blob) }
    }

    /// S3's multipart ETag: the MD5 of the parts' binary MD5s, then `-` and the number of parts.
    static func multipartETag(_ partETags: [String]) -> String {
        var md5 = Insecure.MD5()
        for etag in partETags { md5.update(data: hexBytes(etag)) }
        return md5.finalize().map { String(format: "%02x", $0) }.joined() + "-\(partETags.count)"
    }

    /// A composite checksum: the algorithm over the parts' raw checksums, then `-` and the count.
    static func compositeChecksum(_ algorithm: BlobDigests.Algorithm, _ partChecksums: [String]) -> String {
        let digests = BlobDigests([algorithm])
        for value in partChecksums { digests.update(Array(Data(base64Encoded: value) ?? Data())) }
        return (digests.checksums[algorithm.rawValue] ?? "") + "-\(partChecksums.count)"
    }

    static func unquoted(_ etag: String) -> String {
        var value = etag.trimmingCharacters(in: .whitespaces)
        if value.hasPrefix("\"") { value.removeFirst() }
        if value.hasSuffix("\"") { value.removeLast() }
        return value
    }

    static func hexBytes(_ hex: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var iterator = hex.utf8.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            guard let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) else { return [] }
            bytes.append(value)
        }
        return bytes
    }
}

extension S3Error {
    public static func noSuchUpload(_ id: String) -> S3Error {
        S3Error(
            .noSuchUpload,
            "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.")
    }
}
