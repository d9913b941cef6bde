import GustCore
import GustHTTPServer
import NIOCore
import NIOHTTP1
import NIOPosix

/// The Lambda Runtime API (`/2018-06-01/runtime/…`) for one instance, on its own loopback port so
/// that unmodified runtime clients (awslambdaric, custom bootstraps) find it through
/// `AWS_LAMBDA_RUNTIME_API` alone.
///
/// Plain SwiftNIO rather than a Hummingbird application: four fixed routes, and the handler calls
/// the instance synchronously on the event loop, which keeps tasks and executor hops off the warm
/// path (this listener serves two of the three HTTP exchanges of every invocation).
final class RuntimeAPIListener: Sendable {
    let channel: any Channel
    let port: Int

    private init(channel: any Channel) {
        self.channel = channel
        self.port = channel.localAddress?.port ?? 0
    }

    /// One process's runtime client talks here, usually over one kept-alive connection: a few
    /// connections, no body limit at the door (an oversized result is answered in Lambda's form,
    /// and fails its invocation), and no idle timeout short enough to end a long `next`.
    static let settings = ListenerSettings(
        maxConnections: 16, fdReserve: 8, idleTimeout: .hours(24), maxBodyBytes: nil)

    /// `socket`: a listening socket opened in the instance's network namespace; without one, an
    /// ephemeral port on the host's loopback.
    static func start(instance: ProcessInstance, eventLoop: any EventLoop, socket: Int32? = nil) async throws -> RuntimeAPIListener {
        let settings = Self.settings
        let registry = ConnectionRegistry(settings: settings)
        let bootstrap = ServerBootstrap(group: eventLoop)
            .serverChannelOption(.backlog, value: 8)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // The future-based bind adds no backoff: without it, EMFILE spins the loop.
                    try channel.pipeline.syncOperations.addHandler(AcceptBackoffHandler())
                }
            }
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                guard let slot = registry.admit(channel) else { return channel.close() }
                return channel.eventLoop.makeCompletedFuture {
                    // Only the decoder: answers are written whole (`HTTPResponseWriter`).
                    let guarding = ConnectionGuard<ByteBuffer>(
                        settings: settings, slot: slot, refusal: RuntimeAPIHandler.refusal) { _ in true }
                    try channel.pipeline.syncOperations.addHandler(guarding.front)
                    try channel.pipeline.syncOperations.addHandler(settings.makeDecoder())
                    try channel.pipeline.syncOperations.addHandler(guarding)
                    try channel.pipeline.syncOperations.addHandler(RuntimeAPIHandler(instance: instance))
                }
            }
        let channel = try await (socket.map { bootstrap.withBoundSocket($0) } ?? bootstrap.bind(host: "127.0.0.1", port: 0)).get()
        return RuntimeAPIListener(channel: channel)
    }

    func close() async {
        try? await channel.close()
    }
}

/// Routes one connection's requests to the instance, answering them in order (`InOrderRequests`:
/// `invocation/next` is answered when an event arrives, and reads go on meanwhile instead of
/// re-registering the socket with epoll for every invocation). Malformed input is answered 400
/// in its turn, and nothing after a `Connection: close` answer is served.
final class RuntimeAPIHandler: InOrderResponder {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Lambda's limit for a synchronous response.
    static let maxBodyBytes = 6 * 1024 * 1024

    private let instance: ProcessInstance
    var requests = InOrderRequests(maxBodyBytes: RuntimeAPIHandler.maxBodyBytes)

    init(instance: ProcessInstance) {
        self.instance = instance
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .inputClosed = event as? ChannelEvent {
            // Half-closed after a request: its answer still goes out (allowRemoteHalfClosure).
            if requests.endOfInput() { context.close(promise: nil) }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// An `invocation/next` waits for its event; everything else is answered at once.
    func start(_ item: InOrderRequests.Item, context: ChannelHandlerContext) {
        switch item {
        case .request(let head, let body):
            route(context: context, head: head, body: body ?? [], tooLarge: body == nil)
        case .malformed(let status):
            respond(context, status, error: "InvalidRequest", "Malformed HTTP request", keepAlive: false)
        }
    }

    private func route(context: ChannelHandlerContext, head: HTTPRequestHead, body: [UInt8], tooLarge: Bool) {
        let keepAlive = head.isKeepAlive
        var errorType: String? { head.headers.first(name: "Lambda-Runtime-Function-Error-Type") }
        switch RuntimeAPIRoute(method: head.method, uri: head.uri) {
        case .next:
            let promise = context.eventLoop.makePromise(of: RuntimeEvent?.self)
            instance.next(promise)
            let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
            promise.futureResult.whenSuccess { event in
                let (handler, context) = bound.value
                guard let event else {
                    return handler.respond(context, .gone, error: "InstanceStopped", "The instance is stopping", keepAlive: false)
                }
                handler.deliver(context, event, keepAlive: keepAlive)
            }
        case .initError:
            instance.initFailed(payload: body, errorType: errorType)
            accepted(context, keepAlive: keepAlive)
        case .response(let requestID):
            complete(context, requestID: requestID, body: body, tooLarge: tooLarge, errorType: errorType, isError: false, keepAlive: keepAlive)
        case .error(let requestID):
            complete(context, requestID: requestID, body: body, tooLarge: tooLarge, errorType: errorType, isError: true, keepAlive: keepAlive)
        case .unknown:
            respond(context, .notFound, error: "UnknownRoute", "No such Runtime API route", keepAlive: keepAlive)
        }
    }

    /// A result posted for `requestID` (`invocation/{id}/response`, or `…/error` when `isError`).
    private func complete(
        _ context: ChannelHandlerContext, requestID: String, body: [UInt8], tooLarge: Bool, errorType: String?,
        isError: Bool, keepAlive: Bool
    ) {
        if tooLarge {
            let message = "Response payload size exceeded maximum allowed payload size (\(Self.maxBodyBytes) bytes)."
            _ = instance.complete(
                requestID: requestID,
                payload: FunctionErrorDocument.make(type: "Function.ResponseSizeTooLarge", message: message),
                errorType: "Function.ResponseSizeTooLarge", isError: true)
            return respond(context, .payloadTooLarge, error: "RequestEntityTooLarge", message, keepAlive: keepAlive)
        }
        guard instance.complete(requestID: requestID, payload: body, errorType: errorType, isError: isError) else {
            return respond(context, .badRequest, error: "InvalidRequestID", "Invalid request ID", keepAlive: keepAlive)
        }
        accepted(context, keepAlive: keepAlive)
    }

    private func deliver(_ context: ChannelHandlerContext, _ event: RuntimeEvent, keepAlive: Bool) {
        var buffer = context.channel.allocator.buffer(capacity: 400 + event.payload.count + (event.clientContext?.utf8.count ?? 0))
        HTTPResponseWriter.writeStatusLine(200, into: &buffer)
        // awslambdaric crashes on a `next` answer without a content type.
        HTTPResponseWriter.writeField("Content-Type", "application/json", into: &buffer)
        HTTPResponseWriter.writeField("Lambda-Runtime-Aws-Request-Id", event.requestID, into: &buffer)
        HTTPResponseWriter.writeField("Lambda-Runtime-Deadline-Ms", String(event.deadlineMs), into: &buffer)
        HTTPResponseWriter.writeField("Lambda-Runtime-Invoked-Function-Arn", event.functionARN, into: &buffer)
        HTTPResponseWriter.writeField(
            "Lambda-Runtime-Trace-Id",
            "Root=1-\(String(event.deadlineMs / 1000, radix: 16))-\(event.requestID.prefix(8));Sampled=0", into: &buffer)
        if let clientContext = event.clientContext {
            // Valid JSON (the gateway checked it) has raw CR or LF only as whitespace between
            // tokens; as spaces they cannot end the header.
            let oneLine = String(decoding: clientContext.utf8.map { $0 == 13 || $0 == 10 ? 32 : $0 }, as: UTF8.self)
            HTTPResponseWriter.writeField("Lambda-Runtime-Client-Context", oneLine, into: &buffer)
        }
        write(context, buffer, body: event.payload, keepAlive: keepAlive)
    }

    private func accepted(_ context: ChannelHandlerContext, keepAlive: Bool) {
        var buffer = context.channel.allocator.buffer(capacity: 160)
        HTTPResponseWriter.writeStatusLine(202, into: &buffer)
        HTTPResponseWriter.writeField("Content-Type", "application/json", into: &buffer)
        write(context, buffer, body: Array(#"{"status":"OK"}"#.utf8), keepAlive: keepAlive)
    }

    private func respond(_ context: ChannelHandlerContext, _ status: HTTPResponseStatus, error: String, _ message: String, keepAlive: Bool) {
        var buffer = context.channel.allocator.buffer(capacity: 256)
        HTTPResponseWriter.writeStatusLine(Int(status.code), into: &buffer)
        HTTPResponseWriter.writeField("Content-Type", "application/json", into: &buffer)
        write(context, buffer, body: FunctionErrorDocument.make(type: error, message: message), keepAlive: keepAlive)
    }

    /// A limit's or timeout's answer, in the Runtime API's error form.
    static let refusal: ConnectionGuard<ByteBuffer>.Refusal = { status, allocator in
        let body = FunctionErrorDocument.make(type: "InvalidRequest", message: status.reasonPhrase)
        var buffer = allocator.buffer(capacity: 160 + body.count)
        HTTPResponseWriter.writeStatusLine(Int(status.code), into: &buffer)
        HTTPResponseWriter.writeField("Content-Type", "application/json", into: &buffer)
        HTTPResponseWriter.endHead(contentLength: body.count, date: nil, close: true, into: &buffer)
        buffer.writeBytes(body)
        return buffer
    }

    /// Ends the head begun in `buffer`, adds `body` and writes the answer in one piece.
    private func write(_ context: ChannelHandlerContext, _ head: ByteBuffer, body: [UInt8], keepAlive: Bool) {
        var buffer = head
        let keepAlive = keepAlive && !requests.closesAfterAnswer
        HTTPResponseWriter.endHead(contentLength: body.count, date: nil, close: !keepAlive, into: &buffer)
        buffer.writeBytes(body)
        requests.answered(close: !keepAlive)
        if keepAlive {
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
            pump(context)
        } else {
            context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { [channel = context.channel] _ in
                LingeringClose.close(channel)
            }
        }
    }
}
