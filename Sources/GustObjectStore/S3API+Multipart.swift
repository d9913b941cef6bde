import Foundation
import GustAWSWire

#if canImport(FoundationXML)
import FoundationXML
#endif

/// CreateMultipartUpload, UploadPart, UploadPartCopy, CompleteMultipartUpload,
/// AbortMultipartUpload, ListParts and ListMultipartUploads.
extension S3API {
    func createUpload(_ request: S3Request, _ bucket: String, _ key: String) async throws(S3Error) -> AWSResponse {
        var options = try writeOptions(request)
        if let named = request.header("x-amz-checksum-algorithm") {
            guard let algorithm = BlobDigests.Algorithm(rawValue: named.uppercased()) else {
                throw S3Error(.invalidRequest, "Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, SHA1, SHA256]")
            }
            options.checksumAlgorithms = [algorithm]
        } else {
            options.checksumAlgorithms = []
        }
        let upload = try await objects.createUpload(
            bucket: bucket, key: key, options: options, checksumType: request.header("x-amz-checksum-type"))
        let result = S3XML.element(
            "InitiateMultipartUploadResult",
            children: [S3XML.element("Bucket", bucket), S3XML.element("Key", key), S3XML.element("UploadId", upload.uploadID)])
        var response = Self.xml(result)
        if let algorithm = upload.checksumAlgorithm { response.headers.append(("x-amz-checksum-algorithm", algorithm)) }
        if let type = upload.checksumType { response.headers.append(("x-amz-checksum-type", type)) }
        return response
    }

    func uploadPart(_ request: S3Request, _ bucket: String, _ key: String, uploadID: String) async throws(S3Error) -> AWSResponse {
        guard let number = request.query["partNumber"].flatMap({ Int($0) }) else {
            throw S3Error(.invalidArgument, "Part number must be an integer between 1 and 10000, inclusive")
        }
        if let source = request.header("x-amz-copy-source") {
            let (sourceBucket, sourceKey) = try Self.copySource(source)
            let range = try request.header("x-amz-copy-source-range").map { value throws(S3Error) in try Self.copyRange(value) }
            let part = try await objects.copyPart(
                from: (sourceBucket, sourceKey), range: range, sourceConditions: Self.copySourceConditions(request), to: bucket, key: key,
                uploadID: uploadID, number: number)
            let result = S3XML.element(
                "CopyPartResult",
                children: [S3XML.element("LastModified", S3Date.iso(part.lastModified)), S3XML.element("ETag", "\"\(part.etag)\"")])
            return Self.xml(result)
        }
        let options = try writeOptions(request)
        let part = try await objects.putPart(
            bucket: bucket, key: key, uploadID: uploadID, number: number, body: request.bodyStream, options: options)
        var headers: [(name: String, value: String)] = [("ETag", "\"\(part.etag)\"")]
        for (algorithm, value) in part.checksums.sorted(by: { $0.key < $1.key }) {
            headers.append(("x-amz-checksum-\(algorithm.lowercased())", value))
        }
        return AWSResponse(status: 200, headers: headers, body: [])
    }

    func completeUpload(_ request: S3Request, _ bucket: String, _ key: String, uploadID: String) async throws(S3Error) -> AWSResponse {
        let body = try await request.document()
        guard let root = S3XML.parse(body), root.name == "CompleteMultipartUpload" else {
            throw S3Error(.malformedXML, "The XML you provided was not well-formed or did not validate against our published schema")
        }
        var parts: [ObjectService.CompletedPart] = []
        for part in root.children(named: "Part") {
            guard let number = part.text("PartNumber").flatMap({ Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }),
                let etag = part.text("ETag")
            else {
                throw S3Error(.malformedXML, "The XML you provided was not well-formed or did not validate against our published schema")
            }
            parts.append(ObjectService.CompletedPart(number: number, etag: etag))
        }
        let conditions = WriteConditions.headers(ifNoneMatch: request.header("If-None-Match"), ifMatch: request.header("If-Match"))
        var expected: [BlobDigests.Algorithm: String] = [:]
        for algorithm in BlobDigests.Algorithm.allCases {
            if let value = request.header(algorithm.header) { expected[algorithm] = value }
        }
        let object = try await objects.completeUpload(
            bucket: bucket, key: key, uploadID: uploadID, parts: parts, conditions: conditions, expectedChecksums: expected,
            origin: request.origin)
        var children = [
            S3XML.element("Location", "/\(bucket)/\(key)"), S3XML.element("Bucket", bucket), S3XML.element("Key", key),
            S3XML.element("ETag", "\"\(object.etag)\""),
        ]
        for (algorithm, value) in object.checksums.sorted(by: { $0.key < $1.key }) {
            children.append(S3XML.element("Checksum\(algorithm)", value))
        }
        if let type = object.checksumType { children.append(S3XML.element("ChecksumType", type)) }
        return Self.xml(S3XML.element("CompleteMultipartUploadResult", children: children))
    }

    func abortUpload(_ bucket: String, _ key: String, uploadID: String) async throws(S3Error) -> AWSResponse {
        try await objects.abortUpload(bucket: bucket, key: key, uploadID: uploadID)
        return AWSResponse(status: 204, headers: [], body: [])
    }

    func listParts(_ request: S3Request, _ bucket: String, _ key: String, uploadID: String) async throws(S3Error) -> AWSResponse {
        let upload = try await objects.upload(uploadID, bucket: bucket, key: key)
        let maxParts = try Self.limit(request.query["max-parts"], name: "max-parts")
        let marker = try Self.limit(request.query["part-number-marker"] ?? "0", name: "part-number-marker")
        let page = try await objects.store.parts(uploadID: uploadID, after: marker, limit: maxParts + 1)
        let shown = page.prefix(maxParts)
        var children = [
            S3XML.element("Bucket", bucket), S3XML.element("Key", key), S3XML.element("UploadId", uploadID), Self.owner("Initiator"),
            Self.owner("Owner"), S3XML.element("StorageClass", "STANDARD"), S3XML.element("PartNumberMarker", String(marker)),
            S3XML.element("NextPartNumberMarker", String(shown.last?.number ?? 0)), S3XML.element("MaxParts", String(maxParts)),
            S3XML.element("IsTruncated", page.count > maxParts ? "true" : "false"),
        ]
        if let algorithm = upload.checksumAlgorithm { children.append(S3XML.element("ChecksumAlgorithm", algorithm)) }
        for part in shown {
            var fields = [
                S3XML.element("PartNumber", String(part.number)), S3XML.element("LastModified", S3Date.iso(part.lastModified)),
                S3XML.element("ETag", "\"\(part.etag)\""), S3XML.element("Size", String(part.size)),
            ]
            for (algorithm, value) in part.checksums.sorted(by: { $0.key < $1.key }) {
                fields.append(S3XML.element("Checksum\(algorithm)", value))
            }
            children.append(S3XML.element("Part", children: fields))
        }
        return Self.xml(S3XML.element("ListPartsResult", children: children))
    }

    func listUploads(_ request: S3Request, _ bucket: String) async throws(S3Error) -> AWSResponse {
        _ = try await objects.bucket(bucket)
        let maxUploads = try Self.limit(request.query["max-uploads"], name: "max-uploads")
        let prefix = request.query["prefix"] ?? ""
        let delimiter = request.query["delimiter"].flatMap { $0.isEmpty ? nil : $0 }
        let keyMarker = request.query["key-marker"].flatMap { $0.isEmpty ? nil : $0 }
        let uploadMarker = keyMarker == nil ? nil : request.query["upload-id-marker"].flatMap { $0.isEmpty ? nil : $0 }
        let encode = request.query["encoding-type"] == "url"
        let text: (String) -> String = { encode ? S3Request.urlEncoded($0) : $0 }
        var uploads: [MultipartUpload] = []
        var prefixes: [String] = []
        var truncated = false
        var cursor = keyMarker.map { (key: $0, uploadID: uploadMarker) }
        var nextMarker: (key: String, uploadID: String?)?
        scan: while true {
            let page = try await objects.store.uploads(bucket: bucket, prefix: prefix, after: cursor, limit: 1000)
            for upload in page {
                if let delimiter, let common = ObjectService.commonPrefix(upload.key, prefix: prefix, delimiter: delimiter) {
                    cursor = (common + "\u{10FFFF}", nil)
                    guard common != prefixes.last else { continue scan }
                    if uploads.count + prefixes.count == maxUploads {
                        truncated = true
                        break scan
                    }
                    prefixes.append(common)
                    nextMarker = (common, nil)
                    continue scan
                }
                if uploads.count + prefixes.count == maxUploads {
                    truncated = true
                    break scan
                }
                uploads.append(upload)
                nextMarker = (upload.key, upload.uploadID)
                cursor = (upload.key, upload.uploadID)
            }
            if page.count < 1000 { break }
        }
        var children = [
            S3XML.element("Bucket", bucket), S3XML.element("KeyMarker", text(keyMarker ?? "")),
            S3XML.element("UploadIdMarker", uploadMarker ?? ""),
        ]
        if truncated, let nextMarker {
            children.append(S3XML.element("NextKeyMarker", text(nextMarker.key)))
            children.append(S3XML.element("NextUploadIdMarker", nextMarker.uploadID ?? ""))
        }
        children.append(S3XML.element("Prefix", text(prefix)))
        if let delimiter { children.append(S3XML.element("Delimiter", text(delimiter))) }
        children.append(S3XML.element("MaxUploads", String(maxUploads)))
        children.append(S3XML.element("IsTruncated", truncated ? "true" : "false"))
        if encode { children.append(S3XML.element("EncodingType", "url")) }
        for upload in uploads {
            var fields = [
                S3XML.element("Key", text(upload.key)), S3XML.element("UploadId", upload.uploadID), Self.owner("Initiator"),
                Self.owner("Owner"), S3XML.element("StorageClass", "STANDARD"), S3XML.element("Initiated", S3Date.iso(upload.initiated)),
            ]
            if let algorithm = upload.checksumAlgorithm { fields.append(S3XML.element("ChecksumAlgorithm", algorithm)) }
            children.append(S3XML.element("Upload", children: fields))
        }
        for common in prefixes {
            children.append(S3XML.element("CommonPrefixes", children: [S3XML.element("Prefix", text(common))]))
        }
        return Self.xml(S3XML.element("ListMultipartUploadsResult", children: children))
    }

    static func owner(_ name: String) -> XMLElement {
        S3XML.element(name, children: [S3XML.element("ID", ownerID), S3XML.element("DisplayName", ownerName)])
    }

    /// A `max-*` parameter: 1,000 when absent, at most 1,000, never negative.
    static func limit(_ value: String?, name: String) throws(S3Error) -> Int {
        guard let value else { return 1000 }
        guard let number = Int(value), number >= 0 else {
            throw S3Error(.invalidArgument, "Provided \(name) not an integer or within integer range")
        }
        return min(number, 1000)
    }

    /// `x-amz-copy-source-range: bytes=first-last`, both required.
    static func copyRange(_ value: String) throws(S3Error) -> ClosedRange<Int64> {
        let invalid = S3Error(.invalidArgument, "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy")
        guard value.hasPrefix("bytes=") else { throw invalid }
        let parts = value.dropFirst("bytes=".count).split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let first = Int64(parts[0]), let last = Int64(parts[1]), first >= 0, first <= last else { throw invalid }
        return first...last
    }

    /// `x-amz-copy-source: bucket/key` (URL-encoded, with an optional leading slash and `?versionId`).
    static func copySource(_ header: String) throws(S3Error) -> (bucket: String, key: String) {
        var source = header
        if let question = source.firstIndex(of: "?") { source = String(source[..<question]) }
        source = S3Request.percentDecoded(source)
        if source.hasPrefix("/") { source.removeFirst() }
        guard let slash = source.firstIndex(of: "/"), slash != source.startIndex, source.index(after: slash) != source.endIndex else {
            throw S3Error(.invalidArgument, "Copy Source must mention the source bucket and key: sourcebucket/sourcekey")
        }
        return (String(source[..<slash]), String(source[source.index(after: slash)...]))
    }

    static func copySourceConditions(_ request: S3Request) -> ReadConditions {
        ReadConditions(
            ifMatch: request.header("x-amz-copy-source-if-match"), ifNoneMatch: request.header("x-amz-copy-source-if-none-match"),
            ifModifiedSince: S3Date.parseHTTP(request.header("x-amz-copy-source-if-modified-since")),
            ifUnmodifiedSince: S3Date.parseHTTP(request.header("x-amz-copy-source-if-unmodified-since")))
    }
}

extension S3API {
    /// GetObjectAttributes: the attributes named in `x-amz-object-attributes` (ETag, Checksum,
    /// ObjectParts, StorageClass, ObjectSize); parts paged by `max-parts` and `part-number-marker`.
    func objectAttributes(_ request: S3Request, _ bucket: String, _ key: String) async throws(S3Error) -> AWSResponse {
        let object = try await objects.object(bucket: bucket, key: key)
        let wanted = Set(
            request.raw.headers.filter { $0.name.lowercased() == "x-amz-object-attributes" }
                .flatMap { $0.value.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) })
        guard !wanted.isEmpty else {
            throw S3Error(.invalidArgument, "Minimum of one object attribute must be specified with x-amz-object-attributes")
        }
        var children: [XMLElement] = []
        if wanted.contains("ETag") { children.append(S3XML.element("ETag", object.etag)) }
        if wanted.contains("Checksum"), !object.checksums.isEmpty {
            var fields = object.checksums.sorted { $0.key < $1.key }.map { S3XML.element("Checksum\($0.key)", $0.value) }
            fields.append(S3XML.element("ChecksumType", object.checksumType ?? "FULL_OBJECT"))
            children.append(S3XML.element("Checksum", children: fields))
        }
        if wanted.contains("ObjectParts"), let parts = object.parts {
            // Headers here (`x-amz-max-parts`), not the query parameters ListParts takes.
            let maxParts = try Self.limit(request.header("x-amz-max-parts") ?? request.query["max-parts"], name: "max-parts")
            let marker = try Self.limit(
                request.header("x-amz-part-number-marker") ?? request.query["part-number-marker"] ?? "0", name: "part-number-marker")
            let shown = Array(parts.enumerated().dropFirst(marker).prefix(maxParts))
            let truncated = marker + shown.count < parts.count
            var fields = [
                S3XML.element("PartsCount", String(parts.count)), S3XML.element("PartNumberMarker", String(marker)),
                S3XML.element("NextPartNumberMarker", String(shown.last.map { $0.offset + 1 } ?? marker)),
                S3XML.element("MaxParts", String(maxParts)), S3XML.element("IsTruncated", truncated ? "true" : "false"),
            ]
            for (index, part) in shown {
                var partFields = [S3XML.element("PartNumber", String(index + 1)), S3XML.element("Size", String(part.size))]
                for (algorithm, value) in part.checksums.sorted(by: { $0.key < $1.key }) {
                    partFields.append(S3XML.element("Checksum\(algorithm)", value))
                }
                fields.append(S3XML.element("Part", children: partFields))
            }
            children.append(S3XML.element("ObjectParts", children: fields))
        }
        if wanted.contains("StorageClass") { children.append(S3XML.element("StorageClass", "STANDARD")) }
        if wanted.contains("ObjectSize") { children.append(S3XML.element("ObjectSize", String(object.size))) }
        var response = Self.xml(S3XML.element("GetObjectAttributesResponse", children: children))
        response.headers.append(("Last-Modified", S3Date.http(object.lastModified)))
        return response
    }
}
