import Crypto
import Foundation

/// The digests of a blob, computed as its bytes stream past once: the MD5 of the ETag, and the
/// `x-amz-checksum-*` algorithms a request names. Fed by one writer at a time (the blob's
/// write), read after it ends; so not locked.
public final class BlobDigests: @unchecked Sendable {
    public enum Algorithm: String, Sendable, CaseIterable {
        case crc32 = "CRC32"
        case crc32c = "CRC32C"
        case sha1 = "SHA1"
        case sha256 = "SHA256"
        case crc64nvme = "CRC64NVME"

        /// `x-amz-checksum-crc32` and friends.
        public var header: String { "x-amz-checksum-\(rawValue.lowercased())" }
    }

    private var md5 = Insecure.MD5()
    private var sha1: Insecure.SHA1?
    private var sha256: SHA256?
    private var crc32: UInt32?
    private var crc32c: UInt32?
    private var crc64nvme: UInt64?
    public private(set) var size: Int64 = 0

    public init(_ algorithms: Set<Algorithm> = []) {
        if algorithms.contains(.sha1) { sha1 = Insecure.SHA1() }
        if algorithms.contains(.sha256) { sha256 = SHA256() }
        if algorithms.contains(.crc32) { crc32 = 0 }
        if algorithms.contains(.crc32c) { crc32c = 0 }
        if algorithms.contains(.crc64nvme) { crc64nvme = 0 }
    }

    public func update(_ bytes: [UInt8]) {
        size += Int64(bytes.count)
        md5.update(data: bytes)
        sha1?.update(data: bytes)
        sha256?.update(data: bytes)
        if let crc = crc32 { crc32 = CRC32.update(crc, bytes, table: CRC32.ieee) }
        if let crc = crc32c { crc32c = CRC32.update(crc, bytes, table: CRC32.castagnoli) }
        if let crc = crc64nvme { crc64nvme = CRC64.update(crc, bytes) }
    }

    /// Hex MD5 (the ETag of a single-part object, without quotes).
    public var md5Hex: String { md5.finalize().map { String(format: "%02x", $0) }.joined() }

    /// The checksums asked for, base64 as S3 answers them.
    public var checksums: [String: String] {
        var result: [String: String] = [:]
        if let sha1 { result[Algorithm.sha1.rawValue] = Data(sha1.finalize()).base64EncodedString() }
        if let sha256 { result[Algorithm.sha256.rawValue] = Data(sha256.finalize()).base64EncodedString() }
        if let crc32 { result[Algorithm.crc32.rawValue] = CRC32.base64(crc32) }
        if let crc32c { result[Algorithm.crc32c.rawValue] = CRC32.base64(crc32c) }
        if let crc64nvme { result[Algorithm.crc64nvme.rawValue] = CRC64.base64(crc64nvme) }
        return result
    }
}

/// CRC-32 (IEEE, zlib's) and CRC-32C (Castagnoli), table-driven. Written here because none of
/// the libraries Gust may use provides CRC-32C, and zlib's CRC-32 is not reachable from Swift
/// without a system module of its own.
enum CRC32 {
    static let ieee = table(polynomial: 0xEDB8_8320)
    static let castagnoli = table(polynomial: 0x82F6_3B78)

    static func table(polynomial: UInt32) -> [UInt32] {
        (0..<256).map { index in
            var crc = UInt32(index)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ polynomial : crc >> 1 }
            return crc
        }
    }

    static func update(_ crc: UInt32, _ bytes: [UInt8], table: [UInt32]) -> UInt32 {
        var value = ~crc
        table.withUnsafeBufferPointer { table in
            for byte in bytes { value = table[Int((value ^ UInt32(byte)) & 0xFF)] ^ (value >> 8) }
        }
        return ~value
    }

    /// The big-endian bytes, base64 (S3's form).
    static func base64(_ crc: UInt32) -> String {
        Data([UInt8(crc >> 24), UInt8((crc >> 16) & 0xFF), UInt8((crc >> 8) & 0xFF), UInt8(crc & 0xFF)]).base64EncodedString()
    }
}

/// CRC-64/NVME (S3's `CRC64NVME`: reflected polynomial 0x9A6C9329AC4BC9B5), table-driven, for the
/// same reason as `CRC32`.
enum CRC64 {
    static let table: [UInt64] = (0..<256).map { index in
        var crc = UInt64(index)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x9A6C_9329_AC4B_C9B5 : crc >> 1 }
        return crc
    }

    static func update(_ crc: UInt64, _ bytes: [UInt8]) -> UInt64 {
        var value = ~crc
        table.withUnsafeBufferPointer { table in
            for byte in bytes { value = table[Int((value ^ UInt64(byte)) & 0xFF)] ^ (value >> 8) }
        }
        return ~value
    }

    static func base64(_ crc: UInt64) -> String {
        Data((0..<8).map { UInt8((crc >> (56 - 8 * UInt64($0))) & 0xFF) }).base64EncodedString()
    }
}
