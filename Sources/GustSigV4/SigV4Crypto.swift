// Hand-written: no available Swift library verifies SigV4 on the server side, so Gust carries
// its own signer and verifier.

import Crypto
import Foundation

/// The hashing half of SigV4: key derivation, HMAC, hex, and a timing-safe comparison.
enum SigV4Crypto {
    static func sha256Hex(_ bytes: [UInt8]) -> String {
        hex(SHA256.hash(data: bytes))
    }

    /// `kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")`.
    /// A per-day, per-scope key means a leaked signature never exposes the secret itself.
    static func signingKey(secret: String, date: String, region: String, service: String) -> SymmetricKey {
        var key = SymmetricKey(data: Array("AWS4\(secret)".utf8))
        for part in [date, region, service, SigV4Canonical.terminator] {
            key = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key))
        }
        return key
    }

    static func signature(key: SymmetricKey, stringToSign: String) -> String {
        signature(mac: HMAC<SHA256>(key: key), stringToSign: stringToSign)
    }

    /// The same with the HMAC already keyed (`SigningKeyCache` keeps it so, skipping the key
    /// schedule on every request).
    static func signature(mac: HMAC<SHA256>, stringToSign: String) -> String {
        var mac = mac
        var text = stringToSign
        text.withUTF8 { mac.update(data: UnsafeRawBufferPointer($0)) }
        return hex(mac.finalize())
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in bytes {
            out.append(hexDigits[Int(byte >> 4)])
            out.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Compares without an early exit so the time taken does not reveal how many leading
    /// characters of a forged signature were right. Only the length (public: always 64 hex
    /// characters) can end it early.
    static func constantTimeEquals(_ lhs: String, _ rhs: String) -> Bool {
        let left = Array(lhs.utf8)
        let right = Array(rhs.utf8)
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices {
            difference |= left[index] ^ right[index]
        }
        return difference == 0
    }
}
