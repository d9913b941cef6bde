// Hand-written: no available Swift library verifies SigV4 on the server side, so Gust carries
// its own signer and verifier.
//
// The signer and the verifier must build byte-identical canonical requests, so every piece of
// canonicalisation lives here once and both sides call it.

import GustCore

/// Canonical-request building blocks shared by `SigV4Signer` and `SigV4Verifier`.
enum SigV4Canonical {
    static let algorithm = "AWS4-HMAC-SHA256"
    static let unsignedPayload = "UNSIGNED-PAYLOAD"
    static let streamingPayload = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
    static let terminator = "aws4_request"

    // MARK: Percent-encoding

    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "_"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    /// SigV4's URI encoding: RFC 3986 unreserved bytes stay, every other byte becomes `%XX`
    /// (uppercase). `%` itself is encoded too, which is what makes re-encoding a path "double".
    static func uriEncode(_ bytes: some Sequence<UInt8>, keepSlash: Bool) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount)
        for byte in bytes {
            if isUnreserved(byte) || (keepSlash && byte == UInt8(ascii: "/")) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes `%XX` escapes. A malformed escape is kept literally rather than rejected: the
    /// client signed whatever it sent, and re-encoding the lone `%` reproduces its view.
    /// `+` is left alone; RFC 3986 gives it no special meaning and SigV4 clients send `%20`.
    static func percentDecode(_ text: some StringProtocol) -> [UInt8] {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count,
                let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
            {
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return out
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    // MARK: Canonical URI

    /// botocore's `remove_dot_segments`: resolves `.`/`..` and also collapses `//`, because
    /// AWS services other than S3 sign the normalised path.
    static func removeDotSegments(_ path: String) -> String {
        guard !path.isEmpty else { return "/" }
        let bytes = path.utf8
        // Most paths have nothing to resolve or collapse.
        if isNormalized(bytes) { return path }
        var output: [Substring.UTF8View] = []
        for segment in bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
            if segment.elementsEqual(".".utf8) { continue }
            if segment.elementsEqual("..".utf8) {
                _ = output.popLast()
            } else {
                output.append(segment)
            }
        }
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count + 1)
        if bytes.first == UInt8(ascii: "/") { result.append(UInt8(ascii: "/")) }
        for (index, segment) in output.enumerated() {
            if index > 0 { result.append(UInt8(ascii: "/")) }
            result.append(contentsOf: segment)
        }
        if bytes.last == UInt8(ascii: "/") && !output.isEmpty { result.append(UInt8(ascii: "/")) }
        return String(decoding: result, as: UTF8.self)
    }

    /// Whether `removeDotSegments` would return `bytes` unchanged: absolute, no empty segment
    /// (`//`), no `.` or `..` segment.
    static func isNormalized(_ bytes: String.UTF8View) -> Bool {
        guard bytes.first == UInt8(ascii: "/") else { return false }
        var length = 0
        var dots = 0
        for byte in bytes.dropFirst() {
            if byte == UInt8(ascii: "/") {
                if length == 0 || (dots == length && dots <= 2) { return false }
                length = 0
                dots = 0
            } else {
                length += 1
                if byte == UInt8(ascii: ".") { dots += 1 }
            }
        }
        return !(length > 0 && dots == length && dots <= 2)
    }

    /// The path with every segment decoded and encoded once: S3's canonical URI, and the
    /// fallback for non-S3 clients that do not double-encode.
    static func singleEncodedPath(_ encodedPath: String) -> String {
        guard !encodedPath.isEmpty else { return "/" }
        return encodedPath.split(separator: "/", omittingEmptySubsequences: false)
            .map { uriEncode(percentDecode($0), keepSlash: false) }
            .joined(separator: "/")
    }

    /// botocore's `quote(normalize_url_path(path), safe='/~')` applied to the path as it is
    /// sent on the wire: the already-encoded path is encoded once more (`%3A` becomes `%253A`).
    static func doubleEncodedPath(_ encodedPath: String) -> String {
        uriEncode(removeDotSegments(encodedPath).utf8, keepSlash: true)
    }

    // MARK: Canonical query

    /// Splits a raw query into decoded name/value pairs. A bare `name` means an empty value.
    static func queryPairs(_ rawQuery: String?) -> [(name: [UInt8], value: [UInt8])] {
        guard let rawQuery, !rawQuery.isEmpty else { return [] }
        return rawQuery.split(separator: "&", omittingEmptySubsequences: true).map { piece in
            if let equals = piece.firstIndex(of: "=") {
                return (percentDecode(piece[..<equals]), percentDecode(piece[piece.index(after: equals)...]))
            }
            return (percentDecode(piece), [])
        }
    }

    /// Encodes each name and value, then sorts by name and, for repeated names, by value,
    /// comparing the encoded bytes as the spec requires.
    static func canonicalQuery(_ pairs: [(name: [UInt8], value: [UInt8])]) -> String {
        pairs.map { (uriEncode($0.name, keepSlash: false), uriEncode($0.value, keepSlash: false)) }
            .sorted { lhs, rhs in
                lhs.0 == rhs.0
                    ? lhs.1.utf8.lexicographicallyPrecedes(rhs.1.utf8)
                    : lhs.0.utf8.lexicographicallyPrecedes(rhs.0.utf8)
            }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
    }

    // MARK: Headers

    /// Appends `value` trimmed, with internal runs of whitespace collapsed to one space, as
    /// botocore's `' '.join(value.split())` does. On bytes: splitting by Character breaks
    /// graphemes, which costs more than the hashing.
    private static func appendNormalized(_ value: String, to out: inout [UInt8]) {
        let start = out.count
        var pendingSpace = false
        for byte in value.utf8 {
            if byte == 0x20 || byte == 0x09 {
                pendingSpace = out.count > start
            } else {
                if pendingSpace { out.append(0x20) }
                pendingSpace = false
                out.append(byte)
            }
        }
    }

    /// The canonical header block for `signedHeaders` (lowercase names, in the order given).
    /// Repeated headers are joined with `,`; a signed header the request lacks counts as empty,
    /// so a proxy that drops an empty header does not break the signature.
    static func canonicalHeaders(
        _ headers: [(name: String, value: String)], signedHeaders: [String]
    ) -> String {
        var block: [UInt8] = []
        block.reserveCapacity(64 * signedHeaders.count)
        for name in signedHeaders {
            block.append(contentsOf: name.utf8)
            block.append(UInt8(ascii: ":"))
            var first = true
            for header in headers where ASCII.equalIgnoringCase(header.name, name) {
                if !first { block.append(UInt8(ascii: ",")) }
                first = false
                appendNormalized(header.value, to: &block)
            }
            block.append(UInt8(ascii: "\n"))
        }
        return String(decoding: block, as: UTF8.self)
    }

    // MARK: Assembly

    static func scope(date: String, region: String, service: String) -> String {
        "\(date)/\(region)/\(service)/\(terminator)"
    }

    static func request(
        method: String, uri: String, query: String, headerBlock: String, signedHeaders: String,
        payloadHash: String
    ) -> String {
        let parts = [method.uppercased(), uri, query, headerBlock, signedHeaders, payloadHash]
        var text = ""
        text.reserveCapacity(parts.reduce(parts.count) { $0 + $1.utf8.count })
        for (index, part) in parts.enumerated() {
            if index > 0 { text += "\n" }
            text += part
        }
        return text
    }

    static func stringToSign(timestamp: String, scope: String, canonicalRequest: String) -> String {
        [algorithm, timestamp, scope, SigV4Crypto.sha256Hex(Array(canonicalRequest.utf8))]
            .joined(separator: "\n")
    }
}
