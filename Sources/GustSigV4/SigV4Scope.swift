// Hand-written: no available Swift library verifies SigV4 on the server side, so Gust carries
// its own signer and verifier.

import Foundation

/// The service a request claims in its credential scope, read without checking anything: the
/// gateway routes on it before the chosen service's verifier checks the signature (which covers
/// the same scope, so a request cannot be routed by one name and verified under another).
public enum SigV4Scope {
    /// The `service` of `Credential=AK/date/region/service/aws4_request`, from the
    /// `Authorization` header or the presigned `X-Amz-Credential` query parameter; nil when the
    /// request is not signed or its scope is malformed.
    /// On bytes rather than through Foundation's NSString searches, which showed in every request's
    /// profile.
    public static func service(authorization: String?, rawQuery: String?) -> String? {
        if let authorization, let start = find(Array("Credential=".utf8), in: Array(authorization.utf8)) {
            let credential = authorization.utf8.dropFirst(start + "Credential=".utf8.count)
                .prefix { $0 != UInt8(ascii: ",") && $0 != UInt8(ascii: " ") }
            return service(ofCredential: Substring(decoding: credential, as: UTF8.self))
        }
        guard let rawQuery else { return nil }
        for pair in rawQuery.utf8.split(separator: UInt8(ascii: "&")) where pair.starts(with: "X-Amz-Credential=".utf8) {
            var decoded: [UInt8] = []
            var bytes = pair.dropFirst("X-Amz-Credential=".utf8.count)[...]
            while let byte = bytes.first {
                if byte == UInt8(ascii: "%"), bytes.count >= 3, bytes.dropFirst().first == UInt8(ascii: "2"),
                    let last = bytes.dropFirst(2).first, last == UInt8(ascii: "F") || last == UInt8(ascii: "f")
                {
                    decoded.append(UInt8(ascii: "/"))
                    bytes = bytes.dropFirst(3)
                } else {
                    decoded.append(byte)
                    bytes = bytes.dropFirst()
                }
            }
            return service(ofCredential: Substring(decoding: decoded, as: UTF8.self))
        }
        return nil
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count else { return nil }
        for index in 0...(haystack.count - needle.count) where haystack[index] == needle[0] {
            if haystack[index..<index + needle.count].elementsEqual(needle) { return index }
        }
        return nil
    }

    private static func service(ofCredential credential: Substring) -> String? {
        let parts = credential.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[4] == SigV4Canonical.terminator, !parts[3].isEmpty else { return nil }
        return String(parts[3])
    }
}
