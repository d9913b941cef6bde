import Foundation
import GustCore

/// What the HTTP listener sends back.
public struct HTTPTriggerResponse: Sendable, Equatable {
    public var status: Int
    public var headers: [HeaderField]
    public var body: [UInt8]

    public struct HeaderField: Sendable, Equatable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(status: Int, headers: [(String, String)], body: [UInt8]) {
        self.status = status
        self.headers = headers.map { HeaderField(name: $0.0, value: $0.1) }
        self.body = body
    }

    /// API Gateway's own error bodies: `{"message":"Not Found"}`.
    public static func message(_ status: Int, _ message: String, headers: [(String, String)] = []) -> HTTPTriggerResponse {
        var json = JSONWriter()
        json.open()
        json.field("message", message)
        json.close()
        return HTTPTriggerResponse(status: status, headers: [("content-type", "application/json")] + headers, body: json.bytes)
    }
}

/// Maps a function's result back to HTTP as API Gateway does for payload format 2.0: an object
/// with `statusCode` is a structured response; any other JSON value is the body of a 200.
public enum APIGatewayResponse {
    public static func map(_ payload: [UInt8]) -> HTTPTriggerResponse {
        guard JSONValidator.isValid(payload) else {
            return .message(502, "Internal Server Error")
        }
        // Most bodies are not structured responses; only those that mention statusCode are parsed.
        guard payload.first(where: { $0 != 0x20 && $0 != 0x0a && $0 != 0x0d && $0 != 0x09 }) == UInt8(ascii: "{"),
            containsStatusCode(payload),
            let object = try? JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any],
            let code = object["statusCode"]
        else {
            return HTTPTriggerResponse(status: 200, headers: [("content-type", "application/json")], body: payload)
        }
        guard let status = (code as? NSNumber)?.intValue ?? (code as? String).flatMap({ Int($0) }), (200...599).contains(status)
        else {
            return .message(502, "Internal Server Error")
        }
        var headers: [(String, String)] = []
        if let fields = object["headers"] as? [String: Any] {
            for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
                headers.append((name.lowercased(), scalar(value)))
            }
        }
        if let cookies = object["cookies"] as? [Any] {
            for cookie in cookies { headers.append(("set-cookie", scalar(cookie))) }
        }
        var body: [UInt8] = []
        switch object["body"] {
        case nil, is NSNull:
            break
        case let text as String:
            if (object["isBase64Encoded"] as? Bool) == true {
                guard let data = Data(base64Encoded: text) else { return .message(502, "Internal Server Error") }
                body = Array(data)
            } else {
                body = Array(text.utf8)
            }
        case let other:
            body = Array((try? JSONSerialization.data(withJSONObject: other, options: [.fragmentsAllowed])) ?? Data())
        }
        if !headers.contains(where: { $0.0 == "content-type" }) {
            headers.append(("content-type", "application/json"))
        }
        return HTTPTriggerResponse(status: status, headers: headers, body: body)
    }

    private static func scalar(_ value: Any) -> String {
        switch value {
        case let text as String: text
        case let number as NSNumber: number.stringValue
        default: "\(value)"
        }
    }

    private static let needle = Array("\"statusCode\"".utf8)

    private static func containsStatusCode(_ payload: [UInt8]) -> Bool {
        guard payload.count >= needle.count else { return false }
        outer: for start in 0...(payload.count - needle.count) where payload[start] == needle[0] {
            for offset in 1..<needle.count where payload[start + offset] != needle[offset] { continue outer }
            return true
        }
        return false
    }
}
