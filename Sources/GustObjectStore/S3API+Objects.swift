import Foundation
import GustAWSWire

#if canImport(FoundationXML)
import FoundationXML
#endif

extension S3API {
    static let contentHeaderNames = ["Content-Type", "Content-Encoding", "Content-Disposition", "Cache-Control", "Content-Language", "Expires"]

    /// What a PUT or a copy with REPLACE stores besides the bytes: content headers, user metadata,
    /// tags, digests to check, preconditions.
    func writeOptions(_ request: S3Request) throws(S3Error) -> ObjectService.WriteOptions {
        var options = ObjectService.WriteOptions()
        options.origin = request.origin
        for name in Self.contentHeaderNames {
            guard var value = request.header(name) else { continue }
            if name == "Content-Encoding", value.lowercased().contains("aws-chunked") {
                // `aws-chunked` describes this request's framing, not the object.
                value = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                    .filter { $0 != "aws-chunked" && !$0.isEmpty }.joined(separator: ",")
                if value.isEmpty { continue }
            }
            options.contentHeaders[name] = value
        }
        var metadataSize = 0
        for (name, value) in request.raw.headers where name.lowercased().hasPrefix("x-amz-meta-") {
            let key = String(name.lowercased().dropFirst("x-amz-meta-".count))
            options.userMetadata[key] = value
            metadataSize += key.utf8.count + value.utf8.count
        }
        if metadataSize > 2048 {
            throw S3Error(.invalidArgument, "Your metadata headers exceed the maximum allowed metadata size (2 KB).")
        }
        if let tagging = request.header("x-amz-tagging") { options.tags = try Self.tags(query: tagging) }
        // A copy gets the ACL its request names, not its source's (private without one), as on S3.
        options.acl = try AccessControlList.fromHeaders(request.header)
        options.contentMD5 = request.header("Content-MD5")
        for algorithm in BlobDigests.Algorithm.allCases {
            if let value = request.header(algorithm.header) { options.expectedChecksums[algorithm] = value }
        }
        if let named = request.header("x-amz-sdk-checksum-algorithm"), let algorithm = BlobDigests.Algorithm(rawValue: named.uppercased()) {
            options.checksumAlgorithms.insert(algorithm)
        }
        if let trailer = request.header("x-amz-trailer"), let algorithm = BlobDigests.Algorithm.allCases.first(where: { $0.header == trailer.lowercased() }) {
            options.checksumAlgorithms.insert(algorithm)
            options.trailers = request.raw.bodyStream
        }
        options.conditions = WriteConditions.headers(ifNoneMatch: request.header("If-None-Match"), ifMatch: request.header("If-Match"))
        return options
    }

    func putObject(_ request: S3Request, _ bucket: String, _ key: String) async throws(S3Error) -> AWSResponse {
        if request.raw.bodyStream?.length == nil, request.header("Content-Length") == nil, request.header("x-amz-decoded-content-length") == nil,
            request.raw.body.isEmpty, request.header("Transfer-Encoding") == nil
        {
            throw S3Error(.missingContentLength, "You must provide the Content-Length HTTP header.")
        }
        let options = try writeOptions(request)
        let stored = try await objects.put(bucket: bucket, key: key, body: request.bodyStream, options: options)
        return AWSResponse(status: 200, headers: Self.writeHeaders(stored), body: [])
    }

    static func writeHeaders(_ object: ObjectRecord) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = [("ETag", "\"\(object.etag)\"")]
        for (algorithm, value) in object.checksums.sorted(by: { $0.key < $1.key }) {
            headers.append(("x-amz-checksum-\(algorithm.lowercased())", value))
        }
        return headers
    }

    func getObject(_ request: S3Request, _ bucket: String, _ key: String, head: Bool) async throws(S3Error) -> AWSResponse {
        let object = try await objects.object(bucket: bucket, key: key)
        let conditions = ReadConditions(
            ifMatch: request.header("If-Match"), ifNoneMatch: request.header("If-None-Match"),
            ifModifiedSince: S3Date.parseHTTP(request.header("If-Modified-Since")),
            ifUnmodifiedSince: S3Date.parseHTTP(request.header("If-Unmodified-Since")))
        do {
            try conditions.check(object)
        } catch {
            if error.code == .notModified {
                return AWSResponse(
                    status: 304, headers: [("ETag", "\"\(object.etag)\""), ("Last-Modified", S3Date.http(object.lastModified))], body: [])
            }
            throw error
        }
        var range = try ByteRange.parse(request.header("Range"), size: object.size)
        // `?partNumber=N`: a multipart object's part N, as a range of the object; part 1 of an
        // object written whole is all of it.
        var part: ObjectPart?
        if let raw = request.query["partNumber"] {
            guard let number = Int(raw), ObjectService.partNumbers.contains(number) else {
                throw S3Error(.invalidArgument, "Part number must be an integer between 1 and 10000, inclusive")
            }
            if request.header("Range") != nil {
                throw S3Error(.invalidRequest, "Cannot specify both Range header and partNumber query parameter")
            }
            if let parts = object.parts {
                guard number <= parts.count else { throw S3Error(.invalidPart, "The requested partnumber is not satisfiable") }
                let offset = parts[..<(number - 1)].reduce(Int64(0)) { $0 + $1.size }
                range = .partial(offset: offset, length: parts[number - 1].size)
                part = parts[number - 1]
            } else if number != 1 {
                throw S3Error(.invalidPart, "The requested partnumber is not satisfiable")
            }
        }
        // A checksum covers the whole object: a range is answered without one, as S3 does; a part
        // with its own.
        let wantsChecksums = request.header("x-amz-checksum-mode")?.uppercased() == "ENABLED" && range == .whole
        var headers = Self.objectHeaders(object, checksums: wantsChecksums)
        if let part, let parts = object.parts {
            headers.append(("x-amz-mp-parts-count", String(parts.count)))
            for (algorithm, value) in part.checksums.sorted(by: { $0.key < $1.key }) {
                headers.append(("x-amz-checksum-\(algorithm.lowercased())", value))
            }
            if let type = object.checksumType, !part.checksums.isEmpty { headers.append(("x-amz-checksum-type", type)) }
        }
        for (parameter, header) in Self.responseOverrides {
            if let value = request.query[parameter] {
                headers.removeAll { $0.name == header }
                headers.append((header, value))
            }
        }
        var status = 200
        var offset: Int64 = 0
        var length = object.size
        if case .partial(let start, let count) = range {
            status = 206
            offset = start
            length = count
            headers.append(("Content-Range", "bytes \(start)-\(start + count - 1)/\(object.size)"))
        }
        headers.append(("Content-Length", String(length)))
        if head { return AWSResponse(status: status, headers: headers, body: []) }
        // A small object is read right here: a page-cache read of a few KiB costs microseconds,
        // and handing it to NIO's file-I/O threads and back cost more than the rest of the GET.
        if length <= Self.inlineReadLimit, let path = objects.backend.filePath(object.blobID),
            let bytes = FileBackend.readSmall(path: path, offset: offset, length: Int(length))
        {
            return AWSResponse(status: status, headers: headers, body: bytes)
        }
        let body: AWSStreamedBody =
            if let path = objects.backend.filePath(object.blobID) {
                .file(path: path, offset: offset, length: length)
            } else {
                .stream(length: length, chunks: objects.backend.read(object.blobID, offset: offset, length: length))
            }
        return AWSResponse(status: status, headers: headers, body: [], streamed: body)
    }

    static let inlineReadLimit: Int64 = 64 * 1024

    static let responseOverrides = [
        ("response-content-type", "Content-Type"), ("response-content-language", "Content-Language"),
        ("response-expires", "Expires"), ("response-cache-control", "Cache-Control"),
        ("response-content-disposition", "Content-Disposition"), ("response-content-encoding", "Content-Encoding"),
    ]

    static func objectHeaders(_ object: ObjectRecord, checksums: Bool) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = [
            ("ETag", "\"\(object.etag)\""), ("Last-Modified", S3Date.http(object.lastModified)), ("Accept-Ranges", "bytes"),
        ]
        if object.contentHeaders["Content-Type"] == nil { headers.append(("Content-Type", "binary/octet-stream")) }
        for (name, value) in object.contentHeaders.sorted(by: { $0.key < $1.key }) { headers.append((name, value)) }
        for (name, value) in object.userMetadata.sorted(by: { $0.key < $1.key }) { headers.append(("x-amz-meta-\(name)", value)) }
        if !object.tags.isEmpty { headers.append(("x-amz-tagging-count", String(object.tags.count))) }
        if checksums, !object.checksums.isEmpty {
            for (algorithm, value) in object.checksums.sorted(by: { $0.key < $1.key }) {
                headers.append(("x-amz-checksum-\(algorithm.lowercased())", value))
            }
            headers.append(("x-amz-checksum-type", object.checksumType ?? "FULL_OBJECT"))
        }
        return headers
    }

    func copyObject(_ request: S3Request, _ bucket: String, _ key: String) async throws(S3Error) -> AWSResponse {
        guard let header = request.header("x-amz-copy-source") else { throw S3Error(.invalidArgument, "Copy Source must be given") }
        let (sourceBucket, sourceKey) = try Self.copySource(header)
        try ObjectService.validateKey(key)
        let directive = request.header("x-amz-metadata-directive")?.uppercased() ?? "COPY"
        guard directive == "COPY" || directive == "REPLACE" else {
            throw S3Error(.invalidArgument, "Unknown metadata directive.")
        }
        if directive == "COPY", sourceBucket == bucket, sourceKey == key {
            throw S3Error(
                .invalidRequest,
                "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.")
        }
        var options = try writeOptions(request)
        if request.header("x-amz-tagging-directive")?.uppercased() != "REPLACE" {
            options.tags = (try await objects.object(bucket: sourceBucket, key: sourceKey)).tags
        }
        let conditions = Self.copySourceConditions(request)
        let copied = try await objects.copy(
            from: (sourceBucket, sourceKey), to: bucket, key: key, options: options, replaceMetadata: directive == "REPLACE",
            sourceConditions: conditions)
        let result = S3XML.element(
            "CopyObjectResult", children: [S3XML.element("LastModified", S3Date.iso(copied.lastModified)), S3XML.element("ETag", "\"\(copied.etag)\"")])
        return Self.xml(result)
    }

    func deleteObjects(_ request: S3Request, _ bucket: String) async throws(S3Error) -> AWSResponse {
        let body = try await request.document()
        guard let root = S3XML.parse(body), root.name == "Delete" else {
            throw S3Error(.malformedXML, "The XML you provided was not well-formed or did not validate against our published schema")
        }
        let entries = root.children(named: "Object")
        guard (1...1000).contains(entries.count) else {
            throw S3Error(.malformedXML, "The XML you provided was not well-formed or did not validate against our published schema")
        }
        let quiet = root.text("Quiet")?.lowercased() == "true"
        _ = try await objects.bucket(bucket)
        let result = XMLElement(name: "DeleteResult")
        for entry in entries {
            guard let key = entry.text("Key") else {
                throw S3Error(.malformedXML, "The XML you provided was not well-formed or did not validate against our published schema")
            }
            do {
                try ObjectService.validateKey(key)
                try await objects.delete(bucket: bucket, key: key, origin: request.origin)
                if !quiet { result.addChild(S3XML.element("Deleted", children: [S3XML.element("Key", key)])) }
            } catch {
                result.addChild(
                    S3XML.element(
                        "Error",
                        children: [S3XML.element("Key", key), S3XML.element("Code", error.code.rawValue), S3XML.element("Message", error.message)]))
            }
        }
        return Self.xml(result)
    }

    // MARK: Tagging

    func putTagging(_ request: S3Request, _ bucket: String, _ key: String) async throws(S3Error) -> AWSResponse {
        let tags = try Self.tags(document: try await request.document())
        try await objects.setTags(bucket: bucket, key: key, tags: tags)
        return AWSResponse(status: 200, headers: [], body: [])
    }

    /// A `<Tagging><TagSet><Tag>…` document (PutObjectTagging's body, a browser upload's field).
    static func tags(document: [UInt8]) throws(S3Error) -> [String: String] {
        guard let root = S3XML.parse(document), let set = root.child("TagSet") else {
            throw S3Error(.malformedXML, "The XML you provided was not well-formed or did not validate against our published schema")
        }
        var tags: [String: String] = [:]
        for tag in set.children(named: "Tag") {
            guard let name = tag.text("Key"), let value = tag.text("Value") else {
                throw S3Error(.malformedXML, "The XML you provided was not well-formed or did not validate against our published schema")
            }
            guard tags[name] == nil else { throw S3Error(.invalidTag, "Cannot provide multiple Tags with the same key") }
            tags[name] = value
        }
        try validateTags(tags)
        return tags
    }

    func getTagging(_ bucket: String, _ key: String) async throws(S3Error) -> AWSResponse {
        let object = try await objects.object(bucket: bucket, key: key)
        let set = S3XML.element(
            "TagSet",
            children: object.tags.sorted { $0.key < $1.key }.map {
                S3XML.element("Tag", children: [S3XML.element("Key", $0.key), S3XML.element("Value", $0.value)])
            })
        return Self.xml(S3XML.element("Tagging", children: [set]))
    }

    /// `x-amz-tagging: k1=v1&k2=v2`.
    static func tags(query: String) throws(S3Error) -> [String: String] {
        var tags: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            tags[S3Request.percentDecoded(String(parts[0]), plusIsSpace: true)] =
                parts.count > 1 ? S3Request.percentDecoded(String(parts[1]), plusIsSpace: true) : ""
        }
        try validateTags(tags)
        return tags
    }

    static func validateTags(_ tags: [String: String]) throws(S3Error) {
        if tags.count > 10 { throw S3Error(.invalidTag, "Object tags cannot be greater than 10") }
        for (key, value) in tags where key.isEmpty || key.count > 128 || value.count > 256 {
            throw S3Error(.invalidTag, "The TagKey you have provided is invalid")
        }
    }
}
