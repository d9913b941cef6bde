import GustHTTPServer
import NIOCore
import NIOHTTP1
import Testing

@Suite struct InOrderRequestsTests {
    func send(_ requests: inout InOrderRequests, _ uri: String, body: String? = nil, close: Bool = false) {
        var head = HTTPRequestHead(version: .http1_1, method: body == nil ? .GET : .POST, uri: uri)
        if close { head.headers.add(name: "connection", value: "close") }
        requests.receive(.head(head))
        if let body { requests.receive(.body(ByteBuffer(string: body))) }
        requests.receive(.end(nil))
    }

    func uri(_ item: InOrderRequests.Item?) -> String? {
        if case .request(let head, _) = item { return head.uri }
        return nil
    }

    @Test func oneAtATimeInArrivalOrder() {
        var requests = InOrderRequests(maxBodyBytes: 100)
        send(&requests, "/a", body: "x")
        send(&requests, "/b")
        guard case .request(let head, let body) = requests.next() else { Issue.record("no request"); return }
        #expect(head.uri == "/a" && body == Array("x".utf8))
        // In flight: nothing else starts, and reads are held while /b waits.
        let second = requests.next()
        #expect(second == nil)
        let readNow = requests.shouldRead()
        #expect(!readNow)
        requests.answered(close: false)
        let b = requests.next()
        #expect(uri(b) == "/b")
        let resumed = requests.takeResumedRead(), again = requests.takeResumedRead()
        #expect(resumed && !again)
        requests.answered(close: false)
        let readLater = requests.shouldRead()
        #expect(requests.isIdle && readLater)
    }

    @Test func nothingIsServedAfterAClose() {
        var requests = InOrderRequests(maxBodyBytes: 100)
        send(&requests, "/a", close: true)
        send(&requests, "/b")
        let a = requests.next()
        #expect(uri(a) == "/a")
        requests.answered(close: true)
        let b = requests.next()
        #expect(requests.closing && b == nil)
        send(&requests, "/c")
        let c = requests.next()
        #expect(c == nil)
    }

    @Test func oversizedBodiesAreDroppedNotBuffered() {
        var requests = InOrderRequests(maxBodyBytes: 4)
        send(&requests, "/big", body: "12345")
        guard case .request(_, let body) = requests.next() else { Issue.record("no request"); return }
        #expect(body == nil)
    }

    @Test func aParseErrorIsAnsweredInItsTurnOnce() {
        var requests = InOrderRequests(maxBodyBytes: 100)
        send(&requests, "/a")
        let a = requests.next()
        #expect(uri(a) == "/a")
        let closeOnParseError = requests.failed(HTTPParserError.invalidHeaderToken)
        // The decoder's later complaints change nothing.
        let closeOnLater = requests.failed(
            ByteToMessageDecoderError.dataReceivedInErrorState(HTTPParserError.invalidHeaderToken, ByteBuffer()))
        #expect(!closeOnParseError && !closeOnLater)
        let whileBusy = requests.next()
        #expect(whileBusy == nil)
        requests.answered(close: false)
        guard case .malformed = requests.next() else { Issue.record("no 400 queued"); return }
        let after = requests.next()
        #expect(after == nil)
        // Any other error closes at once.
        var fresh = InOrderRequests(maxBodyBytes: 100)
        let closeNow = fresh.failed(ChannelError.ioOnClosedChannel)
        #expect(closeNow)
    }
}

@Suite struct InOrderRequestsLimitTests {
    @Test func headersOverTheLimitAre431() {
        var requests = InOrderRequests(maxBodyBytes: 100)
        _ = requests.failed(HTTPParserError.headerOverflow)
        let item = requests.next()
        guard case .malformed(let status) = item else { Issue.record("no answer queued"); return }
        #expect(status == .requestHeaderFieldsTooLarge)
    }

    @Test func halfClosedAfterARequestGetsItsAnswerThenCloses() {
        var requests = InOrderRequests(maxBodyBytes: 100)
        requests.receive(.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: "/a")))
        requests.receive(.end(nil))
        let closeNow = requests.endOfInput()
        #expect(!closeNow)
        let item = requests.next()
        #expect(item != nil)
        #expect(requests.closesAfterAnswer)
    }

    @Test func halfClosedWhenIdleClosesAtOnce() {
        var requests = InOrderRequests(maxBodyBytes: 100)
        let closeNow = requests.endOfInput()
        #expect(closeNow)
    }
}
