import Foundation
import GustCore
import GustScheduler
import GustSigV4
import HTTPTypes
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Logging
import NIOHTTPTypes
import Synchronization
import Testing

@testable import GustGateway

/// An invoker whose answers the test gives, one call at a time.
final class HeldInvoker: Invoker {
    let calls = Mutex<[(InvocationRequest, @Sendable (Result<InvocationResponse, GustError>) -> Void)]>([])

    func invoke(_ request: InvocationRequest) async throws(GustError) -> InvocationResponse {
        throw .internalError("the fast path uses the callback form")
    }

    func invoke(_ request: InvocationRequest, completion: @escaping @Sendable (Result<InvocationResponse, GustError>) -> Void) {
        calls.withLock { $0.append((request, completion)) }
    }

    var requests: [InvocationRequest] { calls.withLock { $0.map(\.0) } }

    /// Answers the oldest open call with `{"n":…}` echoing its payload.
    func answerNext() {
        let (request, completion) = calls.withLock { $0.removeFirst() }
        let record = InvocationRecord(
            requestID: request.requestID, functionName: request.functionName, version: "$LATEST", source: "api",
            mode: .sync, outcome: .success, errorType: nil, startTime: Date(), initDurationMs: nil, durationMs: 1,
            billedDurationMs: 1, memorySizeMB: 128, maxMemoryUsedMB: 1, instanceID: nil, output: "")
        completion(.success(InvocationResponse(
            requestID: request.requestID, executedVersion: "$LATEST", payload: request.payload, functionError: nil,
            outcome: .success, record: record)))
    }
}

/// Stands in for Hummingbird behind the handler: keeps what it is passed, events and errors too.
final class Tail: ChannelInboundHandler {
    typealias InboundIn = HTTPRequestPart
    var parts: [HTTPRequestPart] = []
    var events: [String] = []
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        parts.append(unwrapInboundIn(data))
        events.append("part")
    }
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .inputClosed = event as? ChannelEvent { events.append("inputClosed") }
        if event is ChannelShouldQuiesceEvent { events.append("quiesce") }
    }
    func errorCaught(context: ChannelHandlerContext, error: any Error) { events.append("error") }
}

/// Sits next to the socket and completes writes only when told, as a slow socket would.
final class SlowWrites: ChannelOutboundHandler {
    typealias OutboundIn = HTTPResponsePart
    var pending: [EventLoopPromise<Void>] = []
    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        context.write(data, promise: nil)
        if let promise { pending.append(promise) }
    }
    func completeAll() {
        let promises = pending
        pending = []
        for promise in promises { promise.succeed() }
    }
}

@Suite struct InvokeFastPathTests {
    let signer = SigV4Signer(accessKey: "AK", secretKey: "secret", region: "us-east-1", service: "lambda")

    func invokeParts(_ name: String, body: String, signed: Bool = true, headers extra: [String: String] = [:]) -> [HTTPRequestPart] {
        let path = "/2015-03-31/functions/\(name)/invocations"
        var fields: HTTPFields = [.contentLength: String(body.utf8.count)]
        for (key, value) in extra { fields[HTTPField.Name(key)!] = value }
        if signed {
            let url = URL(string: "http://127.0.0.1:9000" + path)!
            for (key, value) in signer.sign(method: "POST", url: url, headers: extra, body: Array(body.utf8)) {
                fields[HTTPField.Name(key)!] = value
            }
        }
        let head = HTTPRequest(method: .post, scheme: nil, authority: "127.0.0.1:9000", path: path, headerFields: fields)
        return [.head(head), .body(ByteBuffer(string: body)), .end(nil)]
    }

    func getParts(_ path: String) -> [HTTPRequestPart] {
        [.head(HTTPRequest(method: .get, scheme: nil, authority: "127.0.0.1:9000", path: path)), .end(nil)]
    }

    func setUp() throws -> (EmbeddedChannel, HeldInvoker, Tail) {
        let invoker = HeldInvoker()
        let tail = Tail()
        let verifier = SigV4Verifier(credentials: { $0 == "AK" ? "secret" : nil })
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers([InvokeFastPath(invoker: invoker, verifier: verifier, serverName: "Gust", logger: Logger(label: "test")), tail])
        return (channel, invoker, tail)
    }

    func send(_ parts: [HTTPRequestPart], _ channel: EmbeddedChannel) throws {
        for part in parts { try channel.writeInbound(part) }
    }

    /// The answers the handler wrote: status, headers and body per response.
    func answers(_ channel: EmbeddedChannel) throws -> [(HTTPResponse, String)] {
        var answers: [(HTTPResponse, String)] = []
        var current: HTTPResponse?
        var body = ""
        while let part = try channel.readOutbound(as: HTTPResponsePart.self) {
            switch part {
            case .head(let head): current = head; body = ""
            case .body(let chunk): body += String(buffer: chunk)
            case .end:
                // A lone end is the stand-in router's answer.
                if let head = current { answers.append((head, body)) }
                current = nil
            }
        }
        return answers
    }

    @Test func answersASignedInvokeItself() throws {
        let (channel, invoker, tail) = try setUp()
        try send(invokeParts("f", body: #"{"n":1}"#), channel)
        #expect(invoker.requests.map(\.functionName) == ["f"])
        #expect(invoker.requests.first?.qualifier == nil)
        invoker.answerNext()
        let answers = try answers(channel)
        #expect(answers.map(\.0.status.code) == [200])
        #expect(answers.first?.1 == #"{"n":1}"#)
        #expect(answers.first?.0.headerFields[HTTPField.Name("X-Amz-Executed-Version")!] == "$LATEST")
        #expect(answers.first?.0.headerFields[.contentLength] == "7")
        #expect(tail.parts.isEmpty)
    }

    @Test func refusesBadSignaturesAndPayloadsInLambdasForm() throws {
        let (channel, invoker, _) = try setUp()
        try send(invokeParts("f", body: "{}", signed: false), channel)
        try send(invokeParts("f", body: "not json"), channel)
        try send(invokeParts("bad%20name", body: "{}"), channel)
        let answers = try answers(channel)
        #expect(answers.map(\.0.status.code) == [403, 400, 400])
        #expect(answers[0].0.headerFields[HTTPField.Name("x-amzn-ErrorType")!] == "MissingAuthenticationTokenException")
        #expect(answers[1].0.headerFields[HTTPField.Name("x-amzn-ErrorType")!] == "InvalidRequestContentException")
        #expect(invoker.requests.isEmpty)
    }

    @Test func leavesOtherRequestsToTheRouter() throws {
        let (channel, invoker, tail) = try setUp()
        try send(getParts("/2015-03-31/functions"), channel)
        channel.write(HTTPResponsePart.end(nil), promise: nil)  // the router's answer
        try send(invokeParts("f", body: "{}", headers: ["X-Amz-Invocation-Type": "Event"]), channel)
        #expect(invoker.requests.isEmpty)
        #expect(tail.parts.count == 5)
    }

    @Test func answersInOrderWithTheRouter() throws {
        let (channel, invoker, tail) = try setUp()
        // An invoke in progress holds the requests behind it.
        try send(invokeParts("f", body: #"{"n":1}"#) + getParts("/2015-03-31/functions/f"), channel)
        #expect(tail.parts.isEmpty)
        invoker.answerNext()
        #expect(try answers(channel).map(\.1) == [#"{"n":1}"#])
        #expect(tail.parts.count == 2)
        // The router has a request open: an invoke behind it goes to the router too.
        try send(invokeParts("f", body: #"{"n":2}"#), channel)
        #expect(invoker.requests.isEmpty)
        #expect(tail.parts.count == 5)
        // Both answered: the next invoke is this handler's again.
        channel.write(HTTPResponsePart.end(nil), promise: nil)
        channel.write(HTTPResponsePart.end(nil), promise: nil)
        try send(invokeParts("f", body: #"{"n":3}"#) + invokeParts("g", body: #"{"n":4}"#), channel)
        #expect(invoker.requests.map(\.functionName) == ["f"])
        invoker.answerNext()
        #expect(invoker.requests.map(\.functionName) == ["g"])
        invoker.answerNext()
        #expect(try answers(channel).map(\.1) == [#"{"n":3}"#, #"{"n":4}"#])
    }

    @Test func theEndOfInputAndErrorsWaitForTheAnswer() throws {
        let (channel, invoker, tail) = try setUp()
        try send(invokeParts("f", body: #"{"n":1}"#), channel)
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        channel.pipeline.fireErrorCaught(HTTPParserError.invalidConstant)
        #expect(tail.events.isEmpty)
        invoker.answerNext()
        #expect(try answers(channel).map(\.1) == [#"{"n":1}"#])
        #expect(tail.events == ["inputClosed", "error"])
    }

    @Test func theEndOfInputWaitsUntilTheAnswerIsWrittenAndShutdownUntilItIsGiven() throws {
        let (channel, invoker, tail) = try setUp()
        let slow = SlowWrites()
        try channel.pipeline.syncOperations.addHandler(slow, position: .first)
        try send(invokeParts("f", body: #"{"n":1}"#), channel)
        channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(tail.events.isEmpty)
        invoker.answerNext()
        // Answered: shutdown may go on; the end of input only once the answer is on the wire.
        #expect(tail.events == ["quiesce"])
        slow.completeAll()
        #expect(tail.events == ["quiesce", "inputClosed"])
        #expect(try answers(channel).map(\.1) == [#"{"n":1}"#])
    }

    @Test func afterAConnectionCloseOrShutdownEverythingGoesToTheRouter() throws {
        let (channel, invoker, tail) = try setUp()
        let closing = HTTPRequest(
            method: .get, scheme: nil, authority: "127.0.0.1:9000", path: "/2015-03-31/functions",
            headerFields: [.connection: "close"])
        try send([.head(closing), .end(nil)], channel)
        channel.write(HTTPResponsePart.end(nil), promise: nil)
        try send(invokeParts("f", body: "{}"), channel)
        #expect(invoker.requests.isEmpty)
        #expect(tail.parts.count == 5)

        let (other, otherInvoker, otherTail) = try setUp()
        other.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        try send(invokeParts("f", body: "{}"), other)
        #expect(otherInvoker.requests.isEmpty)
        #expect(otherTail.events == ["quiesce", "part", "part", "part"])
    }

    @Test func largeBodiesAreLeftToTheRoutersPreflight() throws {
        let (channel, invoker, tail) = try setUp()
        try send(invokeParts("f", body: "[" + String(repeating: "1,", count: 40_000) + "1]"), channel)
        #expect(invoker.requests.isEmpty)
        #expect(tail.parts.count == 3)
    }

    @Test func recognisesTheInvokePath() {
        #expect(InvokeFastPath.invocationName("/2015-03-31/functions/f/invocations") == "f")
        #expect(InvokeFastPath.invocationName("/2015-03-31/functions/f%3A1/invocations?Qualifier=1") == "f%3A1")
        #expect(InvokeFastPath.invocationName("/2015-03-31/functions//invocations") == nil)
        #expect(InvokeFastPath.invocationName("/2015-03-31/functions/a/b/invocations") == nil)
        #expect(InvokeFastPath.invocationName("/2015-03-31/functions/f") == nil)
    }
}
