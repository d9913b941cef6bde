import Foundation
import GustCore
import GustScheduler
import GustSigV4
import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes

/// Answers a synchronous Invoke on the connection's event loop, in Hummingbird's channel pipeline
/// but ahead of its request machinery (async sequences, the router, middleware tasks). For one
/// client that machinery cost about as much as the invocation it carried (docs/api.md).
///
/// It takes only the plain case: `POST /2015-03-31/functions/{name}/invocations`,
/// `RequestResponse`, a `Content-Length` body of at most 64 KB (larger ones are preflighted by the
/// router's middleware before their body is read), a kept-alive connection, and no request of
/// this connection still with Hummingbird. Everything else goes on to Hummingbird unchanged, which
/// serves it through the `invocations` route as before. The two share what decides the answer:
/// URI parsing (Hummingbird's `URI`), the signature check (`SigV4Request`, `SigV4Verifier`), the
/// invocation and its answer (`LambdaAPI.syncInvocation`, `syncResponseHeaders`) and error
/// answers (`ErrorAnswer`).
///
/// Order: what arrives behind a request this handler answers (requests, reads, the end of the
/// input, errors, shutdown) is held until its answer is written; then it goes on in turn. After
/// a `Connection: close`, a parse error or the shutdown signal, everything goes to Hummingbird.
final class InvokeFastPath: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let invoker: any Invoker
    private let verifier: SigV4Verifier
    private let serverName: String
    private let logger: Logger
    /// Requests handed to Hummingbird whose answer has not been written yet.
    private var withHummingbird = 0
    /// The request being read, when this handler takes it, with its still percent-encoded
    /// function name.
    private var collecting: (head: HTTPRequest, name: Substring, body: [UInt8])?
    /// An invocation of this handler's is running; what arrives meanwhile waits in `held`.
    private var invoking = false
    private var held = CircularBuffer<Held>()
    /// Hummingbird will end the connection, or the server is stopping: leave everything to it.
    private var passThrough = false
    /// The write of this handler's latest answer, while a held end of input waits for it.
    private var lastAnswer: EventLoopFuture<Void>?
    private var readHeld = false
    private var quiesceHeld = false
    private var resuming = false

    private enum Held {
        case part(HTTPRequestPart)
        case inputClosed
        case error(any Error)
    }

    init(invoker: any Invoker, verifier: SigV4Verifier, serverName: String, logger: Logger) {
        self.invoker = invoker
        self.verifier = verifier
        self.serverName = serverName
        self.logger = logger
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if invoking {
            held.append(.part(part))
        } else {
            route(part, context: context)
        }
    }

    /// Reads go on during an invocation until something arrives behind it (as in
    /// `InOrderRequests.shouldRead`): holding every read would re-register a kept-alive socket
    /// with epoll twice per request.
    func read(context: ChannelHandlerContext) {
        if held.isEmpty {
            context.read()
        } else {
            readHeld = true
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            passThrough = true
            // Shutdown closes idle connections; this one is not idle until its answer is out.
            if invoking || collecting != nil {
                quiesceHeld = true
                return
            }
        } else if case .inputClosed = event as? ChannelEvent {
            // Hummingbird ends the connection when its input ends: not before this answer.
            if invoking {
                held.append(.inputClosed)
                return
            }
            collecting = nil  // a request cut short gets no answer
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A parse error: Hummingbird answers 400 and closes, after the answers owed before it.
        passThrough = true
        if invoking {
            held.append(.error(error))
        } else {
            collecting = nil
            context.fireErrorCaught(error)
        }
    }

    /// Returns whether the part went on to Hummingbird.
    @discardableResult
    private func route(_ part: HTTPRequestPart, context: ChannelHandlerContext) -> Bool {
        switch part {
        case .head(let head):
            if !passThrough, withHummingbird == 0, let (length, name) = Self.takes(head) {
                var body: [UInt8] = []
                body.reserveCapacity(length)
                collecting = (head, name, body)
                return false
            }
            withHummingbird += 1
            if head.headerFields[.connection].map({ ASCII.equalIgnoringCase($0, "close") }) ?? false {
                passThrough = true
            }
        case .body(let chunk):
            if collecting != nil {
                collecting!.body.append(contentsOf: chunk.readableBytesView)
                return false
            }
        case .end:
            if let (head, name, body) = collecting {
                collecting = nil
                invoking = true
                start(head, name: name, body: body, context: context)
                return false
            }
        }
        context.fireChannelRead(wrapInboundOut(part))
        return true
    }

    /// The body length and the function name (still percent-encoded) when this handler answers
    /// the request, else nil. Bodies up to `Gateway.preflightThreshold` are read before the
    /// signature is checked; the router's middleware checks a larger one's key and time first.
    static func takes(_ head: HTTPRequest) -> (length: Int, name: Substring)? {
        guard head.method == .post, let path = head.path, let name = invocationName(path) else { return nil }
        let fields = head.headerFields
        guard let length = fields[.contentLength].flatMap({ Int($0) }), length <= Gateway.preflightThreshold,
            fields[.transferEncoding] == nil, fields[.expect] == nil,
            fields[.connection].map({ !ASCII.equalIgnoringCase($0, "close") }) ?? true
        else { return nil }
        if let type = fields[.amzInvocationType], type != "RequestResponse" { return nil }
        return (length, name)
    }

    /// `{name}` of `/2015-03-31/functions/{name}/invocations[?query]`, still percent-encoded.
    static func invocationName(_ path: String) -> Substring? {
        // On UTF-8 bytes: Substring's `contains("/")` is Foundation's `range(of:)`, and with
        // Character-wise prefix and suffix checks this cost as much as parsing the request.
        let prefix = "/2015-03-31/functions/".utf8, suffix = "/invocations".utf8
        let bytes = path.utf8
        let end = bytes.firstIndex(of: UInt8(ascii: "?")) ?? bytes.endIndex
        guard bytes.distance(from: bytes.startIndex, to: end) > prefix.count + suffix.count,
            bytes.starts(with: prefix)
        else { return nil }
        let start = bytes.index(bytes.startIndex, offsetBy: prefix.count)
        let nameEnd = bytes.index(end, offsetBy: -suffix.count)
        guard bytes[nameEnd..<end].elementsEqual(suffix), !bytes[start..<nameEnd].contains(UInt8(ascii: "/")) else {
            return nil
        }
        return path[start..<nameEnd]
    }

    // MARK: Answering

    private func start(_ head: HTTPRequest, name: Substring, body: [UInt8], context: ChannelHandlerContext) {
        let invocation: InvocationRequest
        do {
            invocation = try prepare(head, name: name, body: body)
        } catch {
            let (status, headers, body) = ErrorAnswer.make(error, method: head.method, path: head.path ?? "", logger: logger)
            return answer(status, headers, body, context: context)
        }
        let method = head.method, path = head.path ?? ""
        let loop = context.eventLoop
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: loop)
        let logTail = invocation.wantsLogTail
        invoker.invoke(invocation) { result in
            let respond: @Sendable () -> Void = {
                let (handler, context) = bound.value
                switch result {
                case .success(let response):
                    handler.answer(
                        .ok, LambdaAPI.syncResponseHeaders(response, logTail: logTail), response.payload, context: context)
                case .failure(let error):
                    let (status, headers, body) = ErrorAnswer.make(error, method: method, path: path, logger: handler.logger)
                    handler.answer(status, headers, body, context: context)
                }
            }
            // Answers mostly come from an instance's thread; the write belongs to the connection's loop.
            if loop.inEventLoop { respond() } else { loop.execute(respond) }
        }
    }

    /// The signature, the target and the payload, checked as the router's middleware and route do.
    private func prepare(_ head: HTTPRequest, name: Substring, body: [UInt8]) throws -> InvocationRequest {
        let uri = URI(head.path ?? "")
        if case .failure(let error) = verifier.verify(SigV4Request(head, uri: uri, body: body)) { throw error }
        let (name, qualifier) = try LambdaWire.target(
            rawName: String(name), queryQualifier: uri.queryParameters.get("Qualifier"))
        return try LambdaAPI.syncInvocation(name: name, qualifier: qualifier, payload: body, headers: head.headerFields)
    }

    private func answer(_ status: HTTPResponse.Status, _ headers: HTTPFields, _ body: [UInt8], context: ChannelHandlerContext) {
        var headers = headers
        headers[.contentLength] = String(body.count)
        headers[.date] = HTTPDate.now()
        headers[.server] = serverName
        context.write(wrapOutboundOut(.head(HTTPResponse(status: status, headerFields: headers))), promise: nil)
        if !body.isEmpty {
            context.write(wrapOutboundOut(.body(context.channel.allocator.buffer(bytes: body))), promise: nil)
        }
        if held.contains(where: { if case .inputClosed = $0 { true } else { false } }) {
            let written = context.eventLoop.makePromise(of: Void.self)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
            lastAnswer = written.futureResult
        } else {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
        invoking = false
        resume(context: context)
    }

    /// Lets what arrived during the invocation go on, in order, until another request of this
    /// handler's starts.
    private func resume(context: ChannelHandlerContext) {
        // An answer given at once while resuming (a bad signature) lets the loop below go on.
        guard !resuming else { return }
        resuming = true
        defer { resuming = false }
        var passedOn = false
        while !invoking, let item = held.popFirst() {
            switch item {
            case .part(let part):
                if route(part, context: context) { passedOn = true }
            case .error(let error):
                collecting = nil
                context.fireErrorCaught(error)
            case .inputClosed:
                collecting = nil
                if let written = lastAnswer {
                    // Hummingbird closes once its input ends: only after this answer is out.
                    lastAnswer = nil
                    written.assumeIsolated().whenComplete { _ in
                        context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
                    }
                } else {
                    context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
                }
            }
        }
        if passedOn { context.fireChannelReadComplete() }
        guard !invoking else { return }
        if quiesceHeld, collecting == nil {
            quiesceHeld = false
            context.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
        if readHeld {
            readHeld = false
            context.read()
        }
    }

    // MARK: Outbound

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // Only Hummingbird's answers pass here; this handler's own go out below it.
        if case .end = unwrapOutboundIn(data) { withHummingbird = max(0, withHummingbird - 1) }
        context.write(data, promise: promise)
    }
}
