import Foundation
import GustAWSWire
import GustSigV4

#if canImport(FoundationXML)
import FoundationXML
#endif

/// POST Object: a browser's form upload to a bucket. The request itself is unsigned; the form
/// carries a policy document signed with an access key (SigV4's `x-amz-signature` or version 2's
/// `signature`), which the form must satisfy. Fields before the file are read whole (capped), the
/// file streams to disk like a PUT's body.
extension S3API {
    func postObject(_ request: S3Request, _ bucket: String) async throws(S3Error) -> AWSResponse {
        guard let boundary = PostForm.boundary(contentType: request.header("Content-Type")) else {
            throw S3Error(.malformedPOSTRequest, "The body of your POST request is not well-formed multipart/form-data.")
        }
        _ = try await objects.bucket(bucket)
        let stream = request.bodyStream
        var head = PostFormHead(boundary: boundary)
        var chunks = stream.makeAsyncIterator()
        var parsed: (form: PostForm, rest: [UInt8])?
        while parsed == nil {
            let chunk: [UInt8]?
            do {
                chunk = try await chunks.next()
            } catch {
                throw S3Error(.incompleteBody, "The POST body could not be read: \(error)")
            }
            guard let chunk else { try head.finish() }
            parsed = try head.feed(chunk)
        }
        guard let (form, rest) = parsed else { throw S3Error.internalError("unreachable") }
        var fields: [String: String] = [:]
        for (name, value) in form.fields where fields[name.lowercased()] == nil { fields[name.lowercased()] = value }

        // The policy sees the key as it will be stored, `${filename}` replaced.
        if let key = fields["key"] { fields["key"] = key.replacingOccurrences(of: "${filename}", with: form.fileName ?? "") }
        // A form without a policy is the bucket's to allow: the owner's own (signed) request, or
        // an anonymous one to a bucket AllUsers may write.
        var policy: PostPolicy?
        if fields["policy"] != nil {
            policy = try authorize(fields)
            try policy?.check(fields: fields, bucket: bucket)
        } else if request.raw.caller == nil {
            guard (try await objects.bucket(bucket).acl ?? .private).allowsEveryone(.write) else {
                throw S3Error(.accessDenied, "Access Denied")
            }
        }
        guard let key = fields["key"] else {
            throw S3Error(.invalidArgument, "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.")
        }
        try ObjectService.validateKey(key)
        var options = ObjectService.WriteOptions()
        options.origin = request.origin
        options.eventName = .post
        for name in Self.contentHeaderNames {
            if let value = fields[name.lowercased()] { options.contentHeaders[name] = value }
        }
        for (name, value) in fields where name.hasPrefix("x-amz-meta-") {
            options.userMetadata[String(name.dropFirst("x-amz-meta-".count))] = value
        }
        if let tagging = fields["tagging"] { options.tags = try Self.tags(document: Array(tagging.utf8)) }
        if let canned = fields["acl"] { options.acl = try CannedACL.parse(canned).acl }
        for algorithm in BlobDigests.Algorithm.allCases {
            if let value = fields[algorithm.header] { options.expectedChecksums[algorithm] = value }
        }
        let body = LengthChecked(
            base: PostFileBody(first: rest, rest: stream, boundary: boundary), policy: policy ?? PostPolicy(expiration: .distantFuture, conditions: []))
        let stored = try await objects.put(bucket: bucket, key: key, body: body, options: options)
        return Self.postAnswer(fields, bucket: bucket, object: stored)
    }

    /// Checks the form's signature and reads its policy.
    private func authorize(_ fields: [String: String]) throws(S3Error) -> PostPolicy {
        guard let policyText = fields["policy"] else { throw S3Error(.accessDenied, "Access Denied") }
        let secret: String
        let valid: Bool
        if let algorithm = fields["x-amz-algorithm"] {
            guard algorithm == "AWS4-HMAC-SHA256", let credential = fields["x-amz-credential"], let signature = fields["x-amz-signature"] else {
                throw S3Error(.invalidArgument, "A SigV4 form needs x-amz-algorithm AWS4-HMAC-SHA256, x-amz-credential and x-amz-signature.")
            }
            let scope = credential.split(separator: "/").map(String.init)
            guard scope.count == 5 else { throw S3Error(.invalidArgument, "x-amz-credential is not ACCESSKEY/DATE/REGION/SERVICE/aws4_request.") }
            guard let key = signingKeys(scope[0]) else {
                throw S3Error(.invalidAccessKeyId, "The AWS Access Key Id you provided does not exist in our records.")
            }
            secret = key.secret
            valid = PostPolicySignature.matches(
                PostPolicySignature.v4(secret: secret, date: scope[1], region: scope[2], service: scope[3], policy: policyText), signature.lowercased())
        } else {
            guard let accessKey = fields["awsaccesskeyid"] else {
                throw S3Error(.accessDenied, "Bucket POST must contain a field named 'AWSAccessKeyId'.")
            }
            guard let signature = fields["signature"] else {
                throw S3Error(.invalidArgument, "Bucket POST must contain a field named 'signature'.")
            }
            guard let key = signingKeys(accessKey) else {
                throw S3Error(.invalidAccessKeyId, "The AWS Access Key Id you provided does not exist in our records.")
            }
            secret = key.secret
            valid = PostPolicySignature.matches(PostPolicySignature.v2(secret: secret, policy: policyText), signature)
        }
        guard valid else {
            throw S3Error(.signatureDoesNotMatch, "The request signature we calculated does not match the signature you provided.")
        }
        return try PostPolicy.parse(base64: policyText)
    }

    /// 204 by default; `success_action_status` 200 or 201 (with S3's `PostResponse`), or a 303 to
    /// `success_action_redirect` with the bucket, key and ETag appended.
    static func postAnswer(_ fields: [String: String], bucket: String, object: ObjectRecord) -> AWSResponse {
        let etag = "\"\(object.etag)\""
        if let target = fields["success_action_redirect"] ?? fields["redirect"], var url = URLComponents(string: target), url.scheme != nil {
            url.queryItems = (url.queryItems ?? []) + [
                URLQueryItem(name: "bucket", value: bucket), URLQueryItem(name: "key", value: object.key), URLQueryItem(name: "etag", value: etag),
            ]
            return AWSResponse(status: 303, headers: [("Location", url.string ?? target), ("ETag", etag)], body: [])
        }
        switch fields["success_action_status"] {
        case "200":
            return AWSResponse(status: 200, headers: [("ETag", etag)], body: [])
        case "201":
            let result = S3XML.element(
                "PostResponse",
                children: [
                    S3XML.element("Location", "/\(bucket)/\(object.key)"), S3XML.element("Bucket", bucket), S3XML.element("Key", object.key),
                    S3XML.element("ETag", etag),
                ])
            // S3's PostResponse has no namespace (clients find `Key` unqualified).
            var response = AWSResponse(status: 201, headers: [("Content-Type", "application/xml")], body: S3XML.document(result))
            response.headers.append(("ETag", etag))
            return response
        default:
            return AWSResponse(status: 204, headers: [("ETag", etag)], body: [])
        }
    }
}

/// The file's bytes, checked against the policy's `content-length-range` as they pass: too many
/// fail at once, too few at the end, both before anything is stored.
struct LengthChecked<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element == [UInt8] {
    typealias Element = [UInt8]
    let base: Base
    let policy: PostPolicy

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        let policy: PostPolicy
        var count: Int64 = 0

        mutating func next() async throws -> [UInt8]? {
            guard let chunk = try await base.next() else {
                try policy.checkLength(count)
                return nil
            }
            count += Int64(chunk.count)
            for case .contentLength(_, let max) in policy.conditions where count > max {
                throw S3Error(.entityTooLarge, "Your proposed upload exceeds the maximum allowed size")
            }
            return chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator(), policy: policy) }
}
