import GustCore
import GustHTTP
import GustHTTPServer
import NIOCore
import NIOHTTP1

/// Serialises an HTTP/1.1 response for the trigger listener, in one buffer (`HTTPResponseWriter`).
enum HTTPResponseEncoding {
    /// Whether every header can go on the wire: names are RFC 9110 tokens, values hold no CR, LF or
    /// NUL. A function's response that fails this is not sent (API Gateway answers 502).
    static func isSendable(_ headers: [HTTPTriggerResponse.HeaderField]) -> Bool {
        headers.allSatisfy { field in
            !field.name.isEmpty && field.name.utf8.allSatisfy(isTokenByte)
                && !field.value.utf8.contains { $0 == 13 || $0 == 10 || $0 == 0 }
        }
    }

    /// `response`, with `content-length`, `date` and, when the connection ends after it,
    /// `connection: close`. Statuses that carry no content (1xx, 204, 304) get neither a body nor
    /// a length; a HEAD request gets the length without the body.
    static func write(
        _ response: HTTPTriggerResponse, close: Bool, isHead: Bool, date: String, into buffer: inout ByteBuffer
    ) {
        let status = response.status
        HTTPResponseWriter.writeStatusLine(status, into: &buffer)
        for field in response.headers where !isFramingHeader(field.name) {
            HTTPResponseWriter.writeField(field.name, field.value, into: &buffer)
        }
        let hasContent = !(100..<200).contains(status) && status != 204 && status != 304
        HTTPResponseWriter.endHead(contentLength: hasContent ? response.body.count : nil, date: date, close: close, into: &buffer)
        if hasContent && !isHead { buffer.writeBytes(response.body) }
    }

    /// Headers the listener owns: a function's `transfer-encoding` or `content-length` beside the
    /// length written here would make the client misread this response and every later one on
    /// the connection (API Gateway drops or overrides these too).
    static func isFramingHeader(_ name: String) -> Bool {
        framingHeaders.contains { ASCII.equalIgnoringCase($0, name) }
    }

    private static let framingHeaders = ["content-length", "transfer-encoding", "connection", "keep-alive", "date"]

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}
