import Foundation
import GustStoreSQLite
import Testing

@testable import GustObjectStore

@Suite struct ObjectStoreTests {
    @Test func checksumsMatchTheirReferenceVectors() {
        let digests = BlobDigests([.crc32, .crc32c, .sha1, .sha256, .crc64nvme])
        digests.update(Array("1234".utf8))
        digests.update(Array("56789".utf8))
        // CRC-32("123456789") = 0xCBF43926, CRC-32C("123456789") = 0xE3069283.
        #expect(digests.checksums["CRC32"] == Data([0xCB, 0xF4, 0x39, 0x26]).base64EncodedString())
        #expect(digests.checksums["CRC32C"] == Data([0xE3, 0x06, 0x92, 0x83]).base64EncodedString())
        #expect(digests.checksums["SHA1"] == "98O8HYCOBHMq32eZZczDTKeuNEE=")
        // CRC-64/NVME("123456789") = 0xAE8B14860A799888.
        #expect(digests.checksums["CRC64NVME"] == Data([0xAE, 0x8B, 0x14, 0x86, 0x0A, 0x79, 0x98, 0x88]).base64EncodedString())
        #expect(digests.md5Hex == "25f9e794323b453885f5181f1b624d0b")
        #expect(digests.size == 9)
    }

    @Test func rangesAsS3ReadsThem() throws {
        #expect(try ByteRange.parse("bytes=0-4", size: 10) == .partial(offset: 0, length: 5))
        #expect(try ByteRange.parse("bytes=5-", size: 10) == .partial(offset: 5, length: 5))
        #expect(try ByteRange.parse("bytes=-3", size: 10) == .partial(offset: 7, length: 3))
        #expect(try ByteRange.parse("bytes=-30", size: 10) == .partial(offset: 0, length: 10))
        #expect(try ByteRange.parse("bytes=8-100", size: 10) == .partial(offset: 8, length: 2))
        #expect(try ByteRange.parse("bytes=5-2", size: 10) == .whole)
        #expect(try ByteRange.parse("bytes=0-1,3-4", size: 10) == .whole)
        #expect(try ByteRange.parse("items=0-1", size: 10) == .whole)
        #expect(try ByteRange.parse(nil, size: 10) == .whole)
        #expect(throws: S3Error.self) { try ByteRange.parse("bytes=10-", size: 10) }
        #expect(throws: S3Error.self) { try ByteRange.parse("bytes=-0", size: 10) }
    }

    @Test func conditionsFollowS3sPrecedence() throws {
        let object = ObjectRecord(bucket: "b", key: "k", blobID: "x", size: 1, etag: "abc", lastModified: Date(timeIntervalSince1970: 1000))
        try ReadConditions(ifMatch: "\"abc\"", ifUnmodifiedSince: Date(timeIntervalSince1970: 10)).check(object)
        try ReadConditions(ifMatch: "*").check(object)
        #expect(throws: S3Error.self) { try ReadConditions(ifMatch: "\"zzz\"").check(object) }
        do {
            try ReadConditions(ifNoneMatch: "\"abc\"", ifModifiedSince: Date(timeIntervalSince1970: 10)).check(object)
            Issue.record("expected 304")
        } catch {
            #expect(error.code == .notModified)
        }
        do {
            try ReadConditions(ifNoneMatch: "\"abc\"").check(object, copySource: true)
            Issue.record("expected 412")
        } catch {
            #expect(error.code == .preconditionFailed)
        }
        try ReadConditions(ifModifiedSince: Date(timeIntervalSince1970: 999)).check(object)
    }

    @Test func requestDocumentsParseWithoutFoundationsTraps() throws {
        // Found by the s3 fuzz target: FoundationXML trapped on an element name that is not UTF-8.
        var hostile = Array("<Tagging><TagSet><Tag><K".utf8) + [UInt8](repeating: 0xFF, count: 8) + Array("ey>k</Key></Tag></TagSet></Tagging>".utf8)
        #expect(S3XML.parse(hostile) == nil)
        hostile = Array("<Delete><Object><Key>a&amp;b</Key></Object><Quiet>true</Quiet></Delete>".utf8)
        let root = try #require(S3XML.parse(hostile))
        #expect(root.name == "Delete" && root.children(named: "Object").first?.text("Key") == "a&b" && root.text("Quiet") == "true")
        #expect(S3XML.parse(Array("<a><b></a>".utf8)) == nil)
        #expect(S3XML.parse(Array(String(repeating: "<a>", count: 100).utf8)) == nil)
    }

    @Test func bucketNames() {
        for good in ["abc", "my-bucket.logs", "a1b", String(repeating: "a", count: 63)] {
            #expect(throws: Never.self) { try ObjectService.validateBucketName(good) }
        }
        for bad in ["ab", "ABC", "a_b", "a..b", "a.-b", "-ab", "ab-", "10.0.0.1", String(repeating: "a", count: 64)] {
            #expect(throws: S3Error.self) { try ObjectService.validateBucketName(bad) }
        }
    }

    @Test func listingsRollUpAtTheDelimiterInByteOrder() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("gust-objects-\(UUID().uuidString)").path
        let store = try SQLiteStore(path: root + ".sqlite")
        let service = ObjectService(store: store, backend: try FileBackend(root: root))
        try await service.createBucket("bkt")
        for key in ["a", "b/1", "b/2", "b/c/3", "c", "é", "Z"] {
            _ = try await service.put(bucket: "bkt", key: key, body: AsyncStream { $0.yield(Array(key.utf8)); $0.finish() }, options: .init())
        }
        let all = try await service.list(bucket: "bkt", prefix: "", delimiter: nil, after: nil, maxKeys: 1000)
        #expect(all.objects.map(\.key) == ["Z", "a", "b/1", "b/2", "b/c/3", "c", "é"])
        let rolled = try await service.list(bucket: "bkt", prefix: "", delimiter: "/", after: nil, maxKeys: 1000)
        #expect(rolled.objects.map(\.key) == ["Z", "a", "c", "é"])
        #expect(rolled.commonPrefixes == ["b/"])
        let paged = try await service.list(bucket: "bkt", prefix: "", delimiter: "/", after: nil, maxKeys: 3)
        #expect(paged.objects.map(\.key) == ["Z", "a"] && paged.commonPrefixes == ["b/"] && paged.isTruncated)
        let next = try await service.list(bucket: "bkt", prefix: "", delimiter: "/", after: paged.lastReturned, maxKeys: 3)
        #expect(next.objects.map(\.key) == ["c", "é"] && next.commonPrefixes.isEmpty && !next.isTruncated)
        let nested = try await service.list(bucket: "bkt", prefix: "b/", delimiter: "/", after: nil, maxKeys: 1000)
        #expect(nested.objects.map(\.key) == ["b/1", "b/2"] && nested.commonPrefixes == ["b/c/"])
        // A replaced object's old blob is gone; the new one is read back whole.
        let first = try await service.object(bucket: "bkt", key: "a")
        _ = try await service.put(bucket: "bkt", key: "a", body: AsyncStream { $0.yield(Array("new".utf8)); $0.finish() }, options: .init())
        #expect(!FileManager.default.fileExists(atPath: "\(root)/blobs/\(first.blobID.prefix(2))/\(first.blobID)"))
        var read: [UInt8] = []
        let record = try await service.object(bucket: "bkt", key: "a")
        for try await chunk in service.backend.read(record.blobID, offset: 0, length: record.size) { read += chunk }
        #expect(read == Array("new".utf8))
    }

    @Test func multipartETagsAndCompositeChecksumsAsS3ComputesThem() {
        // md5("a") and md5("b"), joined as binary, hashed again, with the part count.
        let etag = ObjectService.multipartETag(["0cc175b9c0f1b6a831c399e269772661", "92eb5ffee6ae2fec3ad71c777531578f"])
        #expect(etag == "96e024ba2074fe77e8e965ba43a704be-2")
        #expect(etag.count == 34)
        let sha = BlobDigests([.sha256])
        sha.update(Array("x".utf8))
        let one = sha.checksums["SHA256"]!
        #expect(ObjectService.compositeChecksum(.sha256, [one]).hasSuffix("-1"))
        #expect(ObjectService.unquoted("\"abc\"") == "abc" && ObjectService.unquoted("abc") == "abc")
    }

    @Test func notificationRulesMatchEventsAndKeys() throws {
        let rule = NotificationConfiguration.Rule(
            id: "r", target: .queue, arn: "arn:aws:sqs:us-east-1:000000000000:q", events: ["s3:ObjectCreated:*"], prefix: "up/", suffix: ".jpg")
        #expect(rule.matches(event: "ObjectCreated:Put", key: "up/a.jpg"))
        #expect(rule.matches(event: "ObjectCreated:CompleteMultipartUpload", key: "up/b/c.jpg"))
        #expect(!rule.matches(event: "ObjectRemoved:Delete", key: "up/a.jpg"))
        #expect(!rule.matches(event: "ObjectCreated:Put", key: "down/a.jpg"))
        #expect(!rule.matches(event: "ObjectCreated:Put", key: "up/a.png"))
        let exact = NotificationConfiguration.Rule(id: "e", target: .function, arn: "f", events: ["s3:ObjectRemoved:Delete"])
        #expect(exact.matches(event: "ObjectRemoved:Delete", key: "x") && !exact.matches(event: "ObjectRemoved:DeleteMarkerCreated", key: "x"))

        let document = """
            <NotificationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><CloudFunctionConfiguration><Id>a</Id>\
            <CloudFunction>arn:aws:lambda:us-east-1:000000000000:function:f</CloudFunction><Event>s3:ObjectCreated:Put</Event>\
            <Filter><S3Key><FilterRule><Name>Prefix</Name><Value>in/</Value></FilterRule></S3Key></Filter></CloudFunctionConfiguration>\
            <QueueConfiguration><Queue>arn:aws:sqs:us-east-1:000000000000:q</Queue><Event>s3:ObjectRemoved:*</Event></QueueConfiguration>\
            </NotificationConfiguration>
            """
        let parsed = try NotificationConfiguration.parse(Array(document.utf8))
        #expect(parsed.rules.count == 2)
        #expect(parsed.rules[0] == .init(id: "a", target: .function, arn: "arn:aws:lambda:us-east-1:000000000000:function:f", events: ["s3:ObjectCreated:Put"], prefix: "in/"))
        #expect(parsed.rules[1].target == .queue && !parsed.rules[1].id.isEmpty)
        #expect(throws: S3Error.self) { try NotificationConfiguration.parse(Array("<NotificationConfiguration><TopicConfiguration/>".utf8)) }
        #expect(throws: S3Error.self) {
            try NotificationConfiguration.parse(Array("<NotificationConfiguration><QueueConfiguration><Queue>q</Queue><Event>s3:Nope</Event></QueueConfiguration></NotificationConfiguration>".utf8))
        }
    }

    @Test func eventRecordsEncodeKeysAndSequencersAsS3Does() throws {
        #expect(ObjectEvent.encodedKey("uploads/my cat (1)+é.jpg") == "uploads/my+cat+%281%29%2B%C3%A9.jpg")
        #expect(ObjectEvent.sequencer(255) == "00000000000000FF")
        let event = ObjectEvent(bucket: "b", key: "k 1", name: "ObjectCreated:Put", size: 3, etag: "abc", sequencer: 7)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(event.payload(configurationID: "c", region: "us-east-1"))) as? [String: Any])
        let record = try #require((json["Records"] as? [[String: Any]])?.first)
        let object = try #require((record["s3"] as? [String: Any])?["object"] as? [String: Any])
        #expect(object["key"] as? String == "k+1" && object["eTag"] as? String == "abc" && object["size"] as? Int == 3)
        #expect(record["eventName"] as? String == "ObjectCreated:Put" && record["eventSource"] as? String == "aws:s3")
    }

    @Test func blobsNoObjectNamesAreCollected() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("gust-orphans-\(UUID().uuidString)").path
        let store = try SQLiteStore(path: root + ".sqlite")
        let backend = try FileBackend(root: root)
        let service = ObjectService(store: store, backend: backend)
        try await service.createBucket("bkt")
        let kept = try await service.put(bucket: "bkt", key: "k", body: AsyncStream { $0.yield([1, 2, 3]); $0.finish() }, options: .init())
        let upload = try await service.createUpload(bucket: "bkt", key: "m", options: .init())
        let part = try await service.putPart(
            bucket: "bkt", key: "m", uploadID: upload.uploadID, number: 1, body: AsyncStream { $0.yield([4]); $0.finish() }, options: .init())
        // A blob written and renamed, whose commit never happened.
        let orphan = try await backend.write(AsyncStream { $0.yield([9]); $0.finish() }, digests: BlobDigests())
        #expect(try await service.collectOrphans() == 1)
        #expect(Set(try await backend.blobIDs()) == [kept.blobID, part.blobID])
        #expect(!FileManager.default.fileExists(atPath: backend.path(orphan)))
    }

    @Test func percentDecodingMatchesFoundations() {
        for text in ["plain", "a%20b", "%E2%9C%93", "bad%zz", "%", "a%2", "%FF%FE", "x+y%2B", "%2f%2F"] {
            let foundation = text.removingPercentEncoding ?? text
            #expect(S3Request.percentDecoded(text) == foundation, "\(text)")
            let plus = text.replacingOccurrences(of: "+", with: " ")
            #expect(S3Request.percentDecoded(text, plusIsSpace: true) == (plus.removingPercentEncoding ?? plus), "\(text)")
        }
    }
}
