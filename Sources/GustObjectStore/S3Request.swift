import Foundation
import GustAWSWire
import GustSigV4

/// An S3 request resolved: which bucket and key it addresses (path style `/bucket/key` or virtual
/// host `bucket.HOST`), its decoded query, its body.
struct S3Request {
    let raw: AWSRequest
    let bucket: String?
    let key: String?
    let query: [String: String]

    /// `virtualHostSuffixes`: the host names under which `bucket.NAME` addresses a bucket.
    init(_ raw: AWSRequest, virtualHostSuffixes: [String]) {
        self.raw = raw
        query = Self.parseQuery(raw.query)
        let path = raw.path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? raw.path
        var hostBucket: String?
        let host = raw.host.split(separator: ":").first.map { $0.lowercased() } ?? ""
        for suffix in virtualHostSuffixes where host.hasSuffix("." + suffix) {
            hostBucket = String(host.dropLast(suffix.count + 1))
            break
        }
        let trimmed = path.hasPrefix("/") ? String(path.dropFirst()) : path
        if let hostBucket {
            bucket = hostBucket
            key = trimmed.isEmpty ? nil : Self.percentDecoded(trimmed)
        } else if trimmed.isEmpty {
            bucket = nil
            key = nil
        } else if let slash = trimmed.firstIndex(of: "/") {
            bucket = Self.percentDecoded(String(trimmed[..<slash]))
            let rest = String(trimmed[trimmed.index(after: slash)...])
            key = rest.isEmpty ? nil : Self.percentDecoded(rest)
        } else {
            bucket = Self.percentDecoded(trimmed)
            key = nil
        }
    }

    var method: String { raw.method }
    func header(_ name: String) -> String? { raw.header(name) }
    func has(_ parameter: String) -> Bool { query[parameter] != nil }

    /// The body, whole (for the XML documents some requests carry).
    func document(limit: Int = 1024 * 1024) async throws(S3Error) -> [UInt8] {
        guard let stream = raw.bodyStream else { return raw.body }
        do {
            guard let bytes = try await stream.collect(limit: limit) else {
                throw S3Error(.malformedXML, "The XML you provided was too large.")
            }
            return bytes
        } catch let error as S3Error {
            throw error
        } catch {
            throw S3Error(.incompleteBody, "\(error)")
        }
    }

    /// Who a notification of this request's change names. The endpoint does not pass on the
    /// client's address, so records say the loopback address.
    var origin: ObjectEvent.Origin {
        ObjectEvent.Origin(principal: raw.caller?.accessKey ?? "anonymous", sourceIP: "127.0.0.1", requestID: AWSRequestID.make())
    }

    var bodyStream: AWSBodyStream { raw.bodyStream ?? AWSBodyStream(bytes: raw.body) }

    static func parseQuery(_ query: String?) -> [String: String] {
        var result: [String: String] = [:]
        for pair in (query ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = percentDecoded(String(parts[0]), plusIsSpace: true)
            if result[name] == nil { result[name] = parts.count > 1 ? percentDecoded(String(parts[1]), plusIsSpace: true) : "" }
        }
        return result
    }

    /// As Foundation's `removingPercentEncoding` (the text as is when an escape is malformed or
    /// the result is not UTF-8), on bytes: Foundation's goes through NSString, and was a seventh
    /// of a small GET's CPU.
    static func percentDecoded(_ text: String, plusIsSpace: Bool = false) -> String {
        let percent = UInt8(ascii: "%")
        let plus = UInt8(ascii: "+")
        guard text.utf8.contains(where: { $0 == percent || (plusIsSpace && $0 == plus) }) else { return text }
        let source = plusIsSpace ? String(decoding: text.utf8.map { $0 == plus ? 0x20 : $0 }, as: UTF8.self) : text
        var decoded: [UInt8] = []
        decoded.reserveCapacity(source.utf8.count)
        var iterator = source.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == percent else {
                decoded.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return source }
            decoded.append(high << 4 | low)
        }
        return String(validating: decoded, as: UTF8.self) ?? source
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// S3's URL encoding for `encoding-type=url` listings: everything but unreserved characters
    /// and `/`.
    static func urlEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    /// Built once: a character set made per call grew the fuzzer's memory steadily.
    static let unreserved: CharacterSet = {
        var allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        allowed.insert(charactersIn: "-_.~/")
        return allowed
    }()
}

/// Dates as S3 writes them.
enum S3Date {
    /// `2009-10-12T17:50:30.000Z` in XML.
    static func iso(_ date: Date) -> String {
        Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)))
    }

    /// `Wed, 12 Oct 2009 17:50:30 GMT` in headers.
    static func http(_ date: Date) -> String { HTTPDateFormat.string(Int(date.timeIntervalSince1970)) }

    /// An HTTP date header (IMF-fixdate, what every S3 client sends); nil for anything else, which
    /// S3 ignores as a condition too.
    static func parseHTTP(_ text: String?) -> Date? { text.flatMap { HTTPDateParser.parse($0) } }
}
