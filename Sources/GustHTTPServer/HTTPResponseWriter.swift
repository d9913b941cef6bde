// Hand-written: NIO's `HTTPResponseEncoder` (with its header validator) is the library piece, but
// through it a response is three writes down the pipeline (head, body, end), each boxed and passed
// handler to handler; here it is one buffer and one write. On a warm route and on the Runtime API
// (two answers per invocation) that path was the largest single cost after reading the socket.
import NIOCore
import NIOHTTP1

/// Writes an HTTP/1.1 response into one buffer. The caller vouches for its header names and
/// values (tokens; no CR, LF or NUL) and leaves the framing headers to `endHead`.
public enum HTTPResponseWriter {
    /// `HTTP/1.1 <status> <reason>`.
    public static func writeStatusLine(_ status: Int, into buffer: inout ByteBuffer) {
        buffer.writeStaticString("HTTP/1.1 ")
        buffer.writeString(String(status))
        buffer.writeInteger(UInt8(ascii: " "))
        buffer.writeString(HTTPResponseStatus(statusCode: status).reasonPhrase)
        buffer.writeStaticString("\r\n")
    }

    public static func writeField(_ name: String, _ value: String, into buffer: inout ByteBuffer) {
        buffer.writeString(name)
        buffer.writeStaticString(": ")
        buffer.writeString(value)
        buffer.writeStaticString("\r\n")
    }

    /// The framing fields and the blank line: `content-length` when given, `date` when given,
    /// and `connection: close` when the connection ends after this response.
    public static func endHead(contentLength: Int?, date: String?, close: Bool, into buffer: inout ByteBuffer) {
        if let contentLength {
            buffer.writeStaticString("content-length: ")
            buffer.writeString(String(contentLength))
            buffer.writeStaticString("\r\n")
        }
        if let date {
            buffer.writeStaticString("date: ")
            buffer.writeString(date)
            buffer.writeStaticString("\r\n")
        }
        if close { buffer.writeStaticString("connection: close\r\n") }
        buffer.writeStaticString("\r\n")
    }
}
