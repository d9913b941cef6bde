import Foundation

/// An object created or removed, committed in the same transaction as the change itself when the
/// bucket has a notification configuration; it waits in the store until it was delivered.
public struct ObjectEvent: Sendable, Equatable, Codable {
    public var id: Int64
    public var bucket: String
    public var key: String
    /// The record's `eventName`: `ObjectCreated:Put`, `ObjectRemoved:Delete`, …
    public var name: String
    /// Size and ETag of a created object (a removal's record has neither).
    public var size: Int64?
    public var etag: String?
    public var sequencer: Int64
    public var time: Date
    public var origin: Origin

    /// Who caused it, as the record's `userIdentity`, `requestParameters` and `responseElements` say.
    public struct Origin: Sendable, Equatable, Codable {
        public var principal: String
        public var sourceIP: String
        public var requestID: String

        public init(principal: String = "gust", sourceIP: String = "127.0.0.1", requestID: String = UUID().uuidString) {
            self.principal = principal
            self.sourceIP = sourceIP
            self.requestID = requestID
        }
    }

    public init(
        id: Int64 = 0, bucket: String, key: String, name: String, size: Int64? = nil, etag: String? = nil, sequencer: Int64 = 0,
        time: Date = Date(), origin: Origin = Origin()
    ) {
        self.id = id
        self.bucket = bucket
        self.key = key
        self.name = name
        self.size = size
        self.etag = etag
        self.sequencer = sequencer
        self.time = time
        self.origin = origin
    }

    public enum Name: String, Sendable {
        case put = "ObjectCreated:Put"
        case post = "ObjectCreated:Post"
        case copy = "ObjectCreated:Copy"
        case completeMultipartUpload = "ObjectCreated:CompleteMultipartUpload"
        case delete = "ObjectRemoved:Delete"
    }

    /// The event as S3 delivers it to functions and queues: `{"Records": [record]}`.
    public func payload(configurationID: String, region: String) -> [UInt8] {
        let record = Record(
            eventVersion: "2.1", eventSource: "aws:s3", awsRegion: region, eventTime: Self.time(time), eventName: name,
            userIdentity: .init(principalId: "AWS:\(origin.principal)"), requestParameters: .init(sourceIPAddress: origin.sourceIP),
            responseElements: .init(requestID: origin.requestID, id2: origin.requestID),
            s3: .init(
                s3SchemaVersion: "1.0", configurationId: configurationID,
                bucket: .init(name: bucket, ownerIdentity: .init(principalId: "gust"), arn: "arn:aws:s3:::\(bucket)"),
                object: .init(key: Self.encodedKey(key), size: size, eTag: etag, sequencer: Self.sequencer(sequencer))))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return Array((try? encoder.encode(["Records": [record]])) ?? Data())
    }

    /// A key as S3 writes it in records: form-encoded (a space is `+`), `/` kept.
    public static func encodedKey(_ key: String) -> String {
        var result = ""
        for byte in key.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "*"), UInt8(ascii: "/"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "):
                result += "+"
            default:
                result += String(format: "%%%02X", byte)
            }
        }
        return result
    }

    /// Upper-case hex, zero-padded to 16 digits: compared as strings of equal length, a later
    /// event's sequencer is greater, as S3 promises for one key.
    static func sequencer(_ value: Int64) -> String { String(format: "%016llX", value) }

    static func time(_ date: Date) -> String { Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(date) }

    struct Record: Encodable {
        var eventVersion, eventSource, awsRegion, eventTime, eventName: String
        var userIdentity: Principal
        var requestParameters: RequestParameters
        var responseElements: ResponseElements
        var s3: S3Entity

        struct Principal: Encodable { var principalId: String }
        struct RequestParameters: Encodable { var sourceIPAddress: String }
        struct ResponseElements: Encodable {
            var requestID: String
            var id2: String
            enum CodingKeys: String, CodingKey {
                case requestID = "x-amz-request-id"
                case id2 = "x-amz-id-2"
            }
        }
        struct S3Entity: Encodable {
            var s3SchemaVersion, configurationId: String
            var bucket: Bucket
            var object: Object
        }
        struct Bucket: Encodable {
            var name: String
            var ownerIdentity: Principal
            var arn: String
        }
        struct Object: Encodable {
            var key: String
            var size: Int64?
            var eTag: String?
            var sequencer: String
        }
    }
}

/// Where the events waiting for delivery are read and forgotten.
public protocol ObjectEventStore: Sendable {
    /// The oldest undelivered events, at most `limit`.
    func pendingObjectEvents(limit: Int) async throws(S3Error) -> [ObjectEvent]
    func deleteObjectEvent(id: Int64) async throws(S3Error)
}
