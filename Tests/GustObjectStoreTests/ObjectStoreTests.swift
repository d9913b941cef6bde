import Foundation
import GustStoreSQLite
import Testing

@testable import GustObjectStore

@Suite struct ObjectStoreTests {
    @Test func checksumsMatchTheirReferenceVectors() {
        let digests = BlobDigests([.crc32, .crc32c, .sha1, .sha256])
        digests.update(Array("1234".utf8))
        digests.update(Array("56789".utf8))
        // CRC-32("123456789") = 0xCBF43926, CRC-32C("123456789") = 0xE3069283.
        #expect(digests.checksums["CRC32"] == Data([0xCB, 0xF4, 0x39, 0x26]).base64EncodedString())
        #expect(digests.checksums["CRC32C"] == Data([0xE3, 0x06, 0x92, 0x83]).base64EncodedString())
        #expect(digests.checksums["SHA1"] == "98O8HYCOBHMq32eZZczDTKeuNEE=")
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
}
