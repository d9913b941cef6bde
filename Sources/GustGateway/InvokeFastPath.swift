import Foundation
import GustCore
import GustScheduler
import GustSigV4
import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Answers a synchronous Invoke on the connection's event loop, in Hummingbird's channel pipeline
/// but ahead of its request machinery (async sequences, the router, middleware tasks). For one
/// client that machinery cost about as much as the invocation it carried (docs/api.md).
///
/// It takes a request only when it can answer it the same way as the route would: `POST
/// /2015-03-31/functions/{name}/invocations`, `RequestResponse`, a `Content-Length` body within
/// the payload limit, a kept-alive connection, and no request of this connection still with
/// Hummingbird. Everything else goes on to Hummingbird unchanged, which serves it through the
/// `invocations` route as before. Both build the invocation and its answer with the same code
/// (`LambdaAPI.syncInvocation`, `syncResponseHeaders`) and check the signature with the same
/// `SigV4Verifier`.
///
/// Order: requests that arrive behind one this handler answers are held, with further reads,
/// until its answer is written; then they go on in turn.
final class InvokeFastPath: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let invoker: any Invoker
    private let verifier: SigV4Verifier
    /// Requests handed to Hummingbird whose answer has not been written yet.
    private var withHummingbird = 0
    /// The request being read, when this handler takes it.
    private var collecting: (head: HTTPRequest, body: ByteBuffer)?
    /// An invocation of this handler's is running; what arrives meanwhile waits in `held`.
    private var invoking = false
    private var held = CircularBuffer<HTTPRequestPart>()
    private var readHeld = false
    private var quiesceHeld = false
    private var resuming = false

    init(invoker: any Invoker, verifier: SigV4Verifier) {
        self.invoker = invoker
        self.verifier = verifier
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if invoking {
            held.append(part)
        } else {
            route(part, context: context)
        }
    }

    func read(context: ChannelHandlerContext) {
        if invoking {
            readHeld = true
        } else {
            context.read()
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // Shutdown closes idle connections; this one is not idle until its answer is out.
        if event is ChannelShouldQuiesceEvent, invoking || collecting != nil {
            quiesceHeld = true
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// Returns whether the part went on to Hummingbird.
    @discardableResult
    private func route(_ part: HTTPRequestPart, context: ChannelHandlerContext) -> Bool {
        switch part {
        case .head(let head):
            if withHummingbird == 0, let length = Self.takes(head) {
                collecting = (head, context.channel.allocator.buffer(capacity: length))
                return false
            }
            withHummingbird += 1
        case .body(var chunk):
            if collecting != nil {
                collecting!.body.writeBuffer(&chunk)
                return false
            }
        case .end:
            if let (head, body) = collecting {
                collecting = nil
                invoking = true
                start(head, body: body, context: context)
                return false
            }
        }
        context.fireChannelRead(wrapInboundOut(part))
        return true
    }

    /// The body length when this handler answers the request, else nil.
    static func takes(_ head: HTTPRequest) -> Int? {
        guard head.method == .post, let path = head.path, invocationName(path) != nil else { return nil }
        let fields = head.headerFields
        guard let length = fields[.contentLength].flatMap({ Int($0) }), length <= LambdaAPI.syncPayloadLimit,
            fields[.transferEncoding] == nil, fields[.expect] == nil,
            fields[.connection].map({ !ASCII.equalIgnoringCase($0, "close") }) ?? true
        else { return nil }
        if let type = fields[HTTPField.Name("X-Amz-Invocation-Type")!], type != "RequestResponse" { return nil }
        return length
    }

    /// `{name}` of `/2015-03-31/functions/{name}/invocations[?query]`, still percent-encoded.
    static func invocationName(_ path: String) -> Substring? {
        let prefix = "/2015-03-31/functions/", suffix = "/invocations"
        let end = path.utf8.firstIndex(of: UInt8(ascii: "?")) ?? path.endIndex
        let route = path[..<end]
        guard route.hasPrefix(prefix), route.hasSuffix(suffix),
            route.utf8.count > prefix.utf8.count + suffix.utf8.count
        else { return nil }
        let name = route.dropFirst(prefix.utf8.count).dropLast(suffix.utf8.count)
        return name.contains("/") ? nil : name
    }

    // MARK: Answering

    private func start(_ head: HTTPRequest, body: ByteBuffer, context: ChannelHandlerContext) {
        let invocation: InvocationRequest
        do {
            invocation = try prepare(head, body: Array(buffer: body))
        } catch let error as SigV4Error {
            let (headers, body) = GustError.wire(code: error.awsCode, message: error.message, status: .forbidden)
            return answer(.forbidden, headers, body, context: context)
        } catch {
            let error = error as? GustError ?? GustError(.service, "Internal error")
            let (headers, body) = GustError.wire(code: error.awsType, message: error.message, status: error.status)
            return answer(error.status, headers, body, context: context)
        }
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
                    let (headers, body) = GustError.wire(code: error.awsType, message: error.message, status: error.status)
                    handler.answer(error.status, headers, body, context: context)
                }
            }
            // Answers mostly come from an instance's thread; the write belongs to the connection's loop.
            if loop.inEventLoop { respond() } else { loop.execute(respond) }
        }
    }

    /// The signature, the target and the payload, checked as the router's middleware and route do.
    private func prepare(_ head: HTTPRequest, body: [UInt8]) throws -> InvocationRequest {
        let target = head.path ?? ""
        let mark = target.utf8.firstIndex(of: UInt8(ascii: "?"))
        let path = String(target[..<(mark ?? target.endIndex)])
        let query = mark.map { String(target[target.index(after: $0)...]) }
        var headers = head.headerFields.map { (name: $0.name.rawName, value: $0.value) }
        if let authority = head.authority { headers.append((name: "host", value: authority)) }
        let signed = SigV4Request(method: head.method.rawValue, rawPath: path, rawQuery: query, headers: headers, body: body)
        if case .failure(let error) = verifier.verify(signed) { throw error }

        let (name, qualifier) = try LambdaWire.target(
            rawName: String(Self.invocationName(path) ?? ""), queryQualifier: query.flatMap(Self.qualifier))
        return try LambdaAPI.syncInvocation(name: name, qualifier: qualifier, payload: body) {
            head.headerFields[HTTPField.Name($0)!]
        }
    }

    /// `Qualifier` from a raw query string, decoded.
    static func qualifier(_ query: String) -> String? {
        for pair in query.split(separator: "&") where pair.hasPrefix("Qualifier=") {
            return String(pair.dropFirst("Qualifier=".count)).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
        }
        return nil
    }

    private func answer(_ status: HTTPResponse.Status, _ headers: HTTPFields, _ body: [UInt8], context: ChannelHandlerContext) {
        var headers = headers
        headers[.contentLength] = String(body.count)
        headers[.date] = HTTPDate.now()
        headers[.server] = "Gust"
        context.write(wrapOutboundOut(.head(HTTPResponse(status: status, headerFields: headers))), promise: nil)
        if !body.isEmpty {
            context.write(wrapOutboundOut(.body(context.channel.allocator.buffer(bytes: body))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
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
        while !invoking, let part = held.popFirst() {
            if route(part, context: context) { passedOn = true }
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
