import Foundation

/// The S3 operations the CLI uses, in S3's REST protocol (path style, XML bodies): buckets, their
/// sizes, and their notification configurations.
extension GustClient {
    /// Sends an S3 request signed for the `s3` service; an error answer (S3's `<Error>` document)
    /// is thrown. `bucket` nil addresses the service (ListBuckets).
    public func s3(
        _ method: String, bucket: String? = nil, query: [(String, String)] = [], body: [UInt8] = []
    ) async throws -> Reply {
        let path = "/" + (bucket.map(Self.encode) ?? "")
        let headers = body.isEmpty ? [:] : ["Content-Type": "application/xml"]
        let reply = try await send(method, path, query: query, body: body, headers: headers, signer: objectSigner)
        guard (200..<300).contains(reply.status) else { throw GustClientError(s3: reply) }
        return reply
    }

    /// Every bucket: `Name` and `CreationDate` (ISO 8601 text), as ListBuckets gives them.
    public func buckets() async throws -> [[String: Any]] {
        var buckets: [[String: Any]] = []
        var token: String?
        repeat {
            // Only a server that pages its answer names a token; one that does not gets no parameters.
            let query = token.map { [("continuation-token", $0)] } ?? []
            let answer = try Self.document(try await s3("GET", query: query))
            for bucket in answer.child("Buckets")?.children(named: "Bucket") ?? [] {
                buckets.append(["Name": bucket.text("Name") ?? "", "CreationDate": bucket.text("CreationDate") ?? ""])
            }
            token = answer.text("ContinuationToken").flatMap { $0.isEmpty ? nil : $0 }
        } while token != nil
        return buckets
    }

    /// How many objects a bucket holds and their total size in bytes, from ListObjectsV2 page by page.
    public func bucketUsage(_ bucket: String) async throws -> (objects: Int, bytes: Int) {
        var objects = 0
        var bytes = 0
        var token: String?
        repeat {
            var query = [("list-type", "2"), ("max-keys", "1000")]
            if let token { query.append(("continuation-token", token)) }
            let page = try Self.document(try await s3("GET", bucket: bucket, query: query))
            for object in page.children(named: "Contents") {
                objects += 1
                bytes += Int(object.text("Size") ?? "") ?? 0
            }
            token = page.text("IsTruncated") == "true" ? page.text("NextContinuationToken") : nil
        } while token != nil
        return (objects, bytes)
    }

    /// CreateBucket; false if the bucket exists and is already ours (S3's `BucketAlreadyOwnedByYou`).
    public func createBucket(_ name: String) async throws -> Bool {
        do {
            _ = try await s3("PUT", bucket: name)
            return true
        } catch let error as GustClientError where error.code == "BucketAlreadyOwnedByYou" {
            return false
        }
    }

    /// GetBucketNotificationConfiguration: the `NotificationConfiguration` document (empty when
    /// the bucket notifies nothing).
    public func notificationConfiguration(_ bucket: String) async throws -> XMLTree {
        try Self.document(try await s3("GET", bucket: bucket, query: [("notification", "")]))
    }

    /// PutBucketNotificationConfiguration: replaces the bucket's whole configuration.
    public func putNotificationConfiguration(_ bucket: String, _ configuration: XMLTree) async throws {
        _ = try await s3("PUT", bucket: bucket, query: [("notification", "")], body: configuration.document())
    }

    static func document(_ reply: Reply) throws -> XMLTree {
        guard let tree = XMLTree.parse(reply.body) else {
            throw GustClientError(status: reply.status, code: "MalformedAnswer", message: "the server's answer is not an XML document")
        }
        return tree
    }
}

extension GustClientError {
    /// An S3 error answer: `<Error><Code>…</Code><Message>…</Message>…`; a HEAD answer or one
    /// without a document is named by its status.
    init(s3 reply: GustClient.Reply) {
        let document = XMLTree.parse(reply.body)
        let code = document?.name == "Error" ? document?.text("Code") : nil
        self.init(
            status: reply.status, code: code ?? "HTTP\(reply.status)",
            message: document?.text("Message") ?? String(decoding: reply.body, as: UTF8.self))
    }
}
