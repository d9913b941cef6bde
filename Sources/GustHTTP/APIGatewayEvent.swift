// The event is written by hand rather than through JSONSerialization: it is built for every
// request on the HTTP listener, and Foundation's encoder costs more than the rest of the route.
import Foundation
import GustCore
import Synchronization

/// Builds API Gateway HTTP API payload format 2.0 events.
public enum APIGatewayEvent {
    /// `rawPath` is the path the function sees (a function URL's, without its `/lambda-url/…`
    /// prefix); `routeKey` overrides the route's (function URLs use `$default`).
    public static func make(
        _ request: HTTPTriggerIncoming, rawPath: String, requestID: String, time: Date = Date(), match: RouteTable.Match,
        authorizer: [String: Any]? = nil, routeKey: String? = nil
    ) -> [UInt8] {
        let routeKey = routeKey ?? match.route.routeKey
        var json = JSONWriter()
        json.open()
        json.field("version", "2.0")
        json.field("routeKey", routeKey)
        json.field("rawPath", rawPath)
        json.field("rawQueryString", request.query)

        // Headers: lower-cased, repeated ones joined with commas; cookies go to their own list.
        var headers: [(String, String)] = []
        headers.reserveCapacity(request.headers.count)
        var cookies: [String] = []
        for (name, value) in request.headers {
            let lower = name.lowercased()
            if lower == "cookie" {
                cookies += value.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                continue
            }
            // A request has a handful of headers: a linear search beats hashing each name.
            if let at = headers.firstIndex(where: { $0.0 == lower }) {
                headers[at].1 += "," + value
            } else {
                headers.append((lower, value))
            }
        }
        if !cookies.isEmpty { json.field("cookies", strings: cookies) }
        json.key("headers")
        json.object(headers)

        let query = queryParameters(request.query)
        if !query.isEmpty {
            json.key("queryStringParameters")
            json.object(query)
        }
        if !match.pathParameters.isEmpty {
            json.key("pathParameters")
            json.object(match.pathParameters.sorted { $0.key < $1.key })
        }

        json.key("requestContext")
        json.open()
        json.field("accountId", "000000000000")
        json.field("apiId", "gust")
        let host = request.header("host") ?? "localhost"
        json.field("domainName", host)
        json.field("domainPrefix", String(host.prefix { $0 != "." }))
        json.key("http")
        json.open()
        json.field("method", request.method)
        json.field("path", rawPath)
        json.field("protocol", "HTTP/1.1")
        json.field("sourceIp", request.remoteIP)
        json.field("userAgent", request.header("user-agent") ?? "")
        json.close()
        json.field("requestId", requestID)
        json.field("routeKey", routeKey)
        json.field("stage", "$default")
        json.field("time", clfTime(time))
        json.field("timeEpoch", Int64(time.timeIntervalSince1970 * 1000))
        if let authorizer {
            json.key("authorizer")
            json.raw(Array((try? JSONSerialization.data(withJSONObject: authorizer, options: [.sortedKeys])) ?? Data("{}".utf8)))
        }
        json.close()

        let body = request.body ?? []
        if !body.isEmpty {
            if isText(request.header("content-type")), let text = String(validating: body, as: UTF8.self) {
                json.field("body", text)
                json.field("isBase64Encoded", false)
            } else {
                json.field("body", Data(body).base64EncodedString())
                json.field("isBase64Encoded", true)
            }
        } else {
            json.field("isBase64Encoded", false)
        }
        json.close()
        return json.bytes
    }

    /// Repeated parameters are joined with commas, as API Gateway does.
    static func queryParameters(_ raw: String) -> [(String, String)] {
        guard !raw.isEmpty else { return [] }
        var result: [(String, String)] = []
        var index: [String: Int] = [:]
        for pair in raw.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = decode(parts[0])
            let value = parts.count > 1 ? decode(parts[1]) : ""
            if let at = index[name] {
                result[at].1 += "," + value
            } else {
                index[name] = result.count
                result.append((name, value))
            }
        }
        return result
    }

    private static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    static func isText(_ contentType: String?) -> Bool {
        guard let type = contentType?.lowercased() else { return true }
        if type.hasPrefix("text/") { return true }
        return ["json", "xml", "x-www-form-urlencoded", "javascript", "graphql"].contains { ASCII.firstOffset(of: $0, in: type) != nil }
    }

    /// `12/Mar/2020:19:03:58 +0000`, API Gateway's `requestContext.time`. Formatted once per
    /// second: a DateFormatter call costs more than the rest of the event.
    static func clfTime(_ date: Date) -> String {
        let second = Int64(date.timeIntervalSince1970.rounded(.down))
        return clfCache.withLock { cache in
            if cache.second == second { return cache.text }
            let text = cache.formatter.string(from: Date(timeIntervalSince1970: Double(second)))
            cache.second = second
            cache.text = text
            return text
        }
    }

    private struct CLFCache: @unchecked Sendable {
        // Only used under the lock.
        let formatter: DateFormatter
        var second: Int64 = -1
        var text = ""
    }

    private static let clfCache: Mutex<CLFCache> = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "dd/MMM/yyyy:HH:mm:ss Z"
        return Mutex(CLFCache(formatter: formatter))
    }()
}

/// A minimal JSON writer: objects, strings, numbers, booleans. Keys are written in call order.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []
    private var needsComma = false

    init() {
        bytes.reserveCapacity(1024)
    }

    mutating func open() {
        comma()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    mutating func close() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    mutating func key(_ name: String) {
        comma()
        string(name)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    mutating func field(_ name: String, _ value: String) {
        key(name)
        string(value)
        needsComma = true
    }

    mutating func field(_ name: String, _ value: Int64) {
        key(name)
        bytes.append(contentsOf: String(value).utf8)
        needsComma = true
    }

    mutating func field(_ name: String, _ value: Bool) {
        key(name)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
        needsComma = true
    }

    mutating func field(_ name: String, strings: [String]) {
        key(name)
        bytes.append(UInt8(ascii: "["))
        for (index, value) in strings.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            string(value)
        }
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    mutating func object(_ pairs: [(String, String)]) {
        open()
        for (name, value) in pairs { field(name, value) }
        close()
    }

    mutating func raw(_ json: [UInt8]) {
        bytes += json
        needsComma = true
    }

    private mutating func comma() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    private mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            // Most strings need no escaping: copy runs of plain bytes at once.
            var start = 0
            for (index, byte) in utf8.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index]))
                start = index + 1
                escape(byte)
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func escape(_ byte: UInt8) {
        bytes.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
        case UInt8(ascii: "\n"): bytes.append(UInt8(ascii: "n"))
        case UInt8(ascii: "\r"): bytes.append(UInt8(ascii: "r"))
        case UInt8(ascii: "\t"): bytes.append(UInt8(ascii: "t"))
        default:
            let hex: StaticString = "0123456789abcdef"
            bytes.append(UInt8(ascii: "u"))
            bytes.append(UInt8(ascii: "0"))
            bytes.append(UInt8(ascii: "0"))
            bytes.append(hex.utf8Start[Int(byte >> 4)])
            bytes.append(hex.utf8Start[Int(byte & 15)])
        }
    }
}
