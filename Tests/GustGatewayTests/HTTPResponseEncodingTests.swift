import GustHTTP
import NIOCore
import Testing

@testable import GustGateway

@Suite struct HTTPResponseEncodingTests {
    func encoded(_ response: HTTPTriggerResponse, close: Bool = false, isHead: Bool = false) -> String {
        var buffer = ByteBuffer()
        HTTPResponseEncoding.write(response, close: close, isHead: isHead, date: "Tue, 01 Dec 2026 01:00:00 GMT", into: &buffer)
        return String(buffer: buffer)
    }

    @Test func wholeResponseInOneBuffer() {
        let response = HTTPTriggerResponse(
            status: 201, headers: [("content-type", "application/json"), ("set-cookie", "a=1")], body: Array("{}".utf8))
        #expect(
            encoded(response)
                == "HTTP/1.1 201 Created\r\ncontent-type: application/json\r\nset-cookie: a=1\r\ncontent-length: 2\r\n"
                + "date: Tue, 01 Dec 2026 01:00:00 GMT\r\n\r\n{}")
        #expect(encoded(response, close: true).contains("\r\nconnection: close\r\n\r\n{}"))
    }

    @Test func noContentStatusesAndHeadRequests() {
        let empty = encoded(HTTPTriggerResponse(status: 204, headers: [], body: Array("dropped".utf8)))
        #expect(empty.hasPrefix("HTTP/1.1 204 No Content\r\n"))
        #expect(!empty.contains("content-length") && empty.hasSuffix("\r\n\r\n"))
        let head = encoded(HTTPTriggerResponse(status: 200, headers: [], body: Array("hello".utf8)), isHead: true)
        #expect(head.contains("content-length: 5\r\n") && head.hasSuffix("\r\n\r\n"))
    }

    /// A function copying an upstream response's headers must not change how this one is framed.
    @Test func framingHeadersFromTheFunctionAreDropped() {
        let response = HTTPTriggerResponse(
            status: 200,
            headers: [("Transfer-Encoding", "chunked"), ("Content-Length", "99"), ("connection", "keep-alive"),
                      ("Date", "yesterday"), ("x-kept", "1")],
            body: Array("hi".utf8))
        #expect(
            encoded(response)
                == "HTTP/1.1 200 OK\r\nx-kept: 1\r\ncontent-length: 2\r\ndate: Tue, 01 Dec 2026 01:00:00 GMT\r\n\r\nhi")
    }

    @Test func headersThatCannotGoOnTheWire() {
        typealias Field = HTTPTriggerResponse.HeaderField
        #expect(HTTPResponseEncoding.isSendable([Field(name: "x-ok", value: "a b\tc ü")]))
        #expect(!HTTPResponseEncoding.isSendable([Field(name: "x-split", value: "a\r\nset-cookie: evil=1")]))
        #expect(!HTTPResponseEncoding.isSendable([Field(name: "bad name", value: "v")]))
        #expect(!HTTPResponseEncoding.isSendable([Field(name: "", value: "v")]))
        #expect(!HTTPResponseEncoding.isSendable([Field(name: "x-nul", value: "a\u{0}")]))
    }
}
