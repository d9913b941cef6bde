import Foundation
import GustHTTP
import GustHTTPServer
import Logging
import NIOCore
import NIOExtras
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import Synchronization

/// The HTTP listener (`--http-port`): user traffic for routes and function URLs.
///
/// Plain SwiftNIO (its HTTP/1.1 pipeline) rather than a Hummingbird application, unlike the API
/// port: this is the data plane, where every request is an invocation, and on the reference
/// machine a bare NIO handler answers a request for about 40% of the CPU a bare Hummingbird
/// router spends (Benchmarks/, `hello-nio` against `hello-hummingbird`). Everything past
/// framing — routing, auth, events, responses — is `HTTPTriggers`, which knows no server.
public struct HTTPTriggerServer: Service {
    let triggers: HTTPTriggers
    let host: String
    let port: Int
    let logger: Logger
    let settings: ListenerSettings
    let onListening: @Sendable (Int) async -> Void

    /// User traffic: a body as large as API Gateway's payload limit.
    public static let defaultSettings = ListenerSettings(fdReserve: 128, maxBodyBytes: HTTPTriggers.maxBodyBytes)

    public init(
        triggers: HTTPTriggers, host: String, port: Int, settings: ListenerSettings = defaultSettings, logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) {
        self.triggers = triggers
        self.host = host
        self.port = port
        self.settings = settings
        self.logger = logger
        self.onListening = onListening
    }

    public func run() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let quiesce = ServerQuiescingHelper(group: group)
        let triggers = self.triggers
        let settings = self.settings
        let registry = ConnectionRegistry(settings: settings)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // The future-based bind adds no backoff: without it, EMFILE spins the loop.
                    try channel.pipeline.syncOperations.addHandler(AcceptBackoffHandler())
                    try channel.pipeline.syncOperations.addHandler(quiesce.makeServerChannelHandler(channel: channel))
                }
            }
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(.socketOption(.so_keepalive), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                guard let slot = registry.admit(channel) else { return channel.close() }
                return channel.eventLoop.makeCompletedFuture {
                    let guarding = ConnectionGuard<ByteBuffer>(settings: settings, slot: slot) { _ in true }
                    try channel.pipeline.syncOperations.addHandler(guarding.front)
                    try channel.pipeline.syncOperations.addHandler(settings.makeDecoder())
                    try channel.pipeline.syncOperations.addHandler(guarding)
                    try channel.pipeline.syncOperations.addHandler(
                        HTTPTriggerHandler(triggers: triggers, remoteIP: channel.remoteAddress?.ipAddress ?? ""))
                }
            }
            .bind(host: host, port: port)
            .get()
        let bound = channel.localAddress?.port ?? port
        triggers.listening(host: host, port: bound)
        logger.info("HTTP triggers listening on http://\(host):\(bound)")
        await onListening(bound)
        // Until shutdown: then stop accepting, let requests in flight finish, close the rest.
        try? await gracefulShutdown()
        let done = group.next().makePromise(of: Void.self)
        quiesce.initiateShutdown(promise: done)
        try? await done.futureResult.get()
    }
}

/// One connection: gathers a request (head and body, up to API Gateway's 6 MB), hands it to
/// `HTTPTriggers`, and writes the answer. Requests are answered one at a time, in order
/// (`InOrderRequests`: reads go on while a request is in flight, and are held back only while
/// pipelined requests wait); malformed input gets its 400 in turn, then the connection closes.
final class HTTPTriggerHandler: InOrderResponder {
    typealias InboundIn = HTTPServerRequestPart
    /// Responses go out encoded (`HTTPResponseEncoding`); reads are the only outbound operation
    /// this handler intercepts.
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let triggers: HTTPTriggers
    private let remoteIP: String
    var requests = InOrderRequests(maxBodyBytes: HTTPTriggers.maxBodyBytes)
    private var quiescing = false

    init(triggers: HTTPTriggers, remoteIP: String) {
        self.triggers = triggers
        self.remoteIP = remoteIP
    }

    /// Answers given at once (404, throttled, preflight) let `pump` go on; a function's answer
    /// resumes it from `write`.
    func start(_ item: InOrderRequests.Item, context: ChannelHandlerContext) {
        switch item {
        case .request(let head, let body):
            start(HTTPTriggerIncoming(head: head, body: body, remoteIP: remoteIP), keepAlive: head.isKeepAlive, context: context)
        case .malformed(let status):
            write(.message(Int(status.code), status.reasonPhrase), keepAlive: false, isHead: false, context: context)
        }
    }

    private func start(_ request: HTTPTriggerIncoming, keepAlive: Bool, context: ChannelHandlerContext) {
        let loop = context.eventLoop
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: loop)
        let isHead = request.method == "HEAD"
        triggers.handle(request) { response in
            // Back on the connection's event loop; most answers come from a guest's thread.
            if loop.inEventLoop {
                bound.value.handler.write(response, keepAlive: keepAlive, isHead: isHead, context: bound.value.context)
            } else {
                loop.execute {
                    bound.value.handler.write(response, keepAlive: keepAlive, isHead: isHead, context: bound.value.context)
                }
            }
        }
    }

    private func write(_ response: HTTPTriggerResponse, keepAlive: Bool, isHead: Bool, context: ChannelHandlerContext) {
        let close = !keepAlive || quiescing || requests.closesAfterAnswer
        var response = response
        if !HTTPResponseEncoding.isSendable(response.headers) {
            response = .message(502, "Internal Server Error")
        }
        var buffer = context.channel.allocator.buffer(capacity: 160 + response.body.count + response.headers.count * 48)
        HTTPResponseEncoding.write(response, close: close, isHead: isHead, date: HTTPDate.now(), into: &buffer)
        requests.answered(close: close)
        if close {
            context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { [channel = context.channel] _ in
                LingeringClose.close(channel)
            }
        } else {
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
            pump(context)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            // Shutdown: an idle connection closes now, a busy one after its response.
            quiescing = true
            if requests.isIdle { context.close(promise: nil) }
            return
        }
        if case .inputClosed = event as? ChannelEvent {
            // Half-closed after a request: its answer still goes out (allowRemoteHalfClosure).
            if requests.endOfInput() { context.close(promise: nil) }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}

extension HTTPTriggerIncoming {
    init(head: HTTPRequestHead, body: [UInt8]?, remoteIP: String) {
        let uri = head.uri
        let path: Substring
        let query: Substring
        if let mark = uri.utf8.firstIndex(of: UInt8(ascii: "?")) {
            path = uri[..<mark]
            query = uri[uri.index(after: mark)...]
        } else {
            path = uri[...]
            query = ""
        }
        self.init(
            method: head.method.rawValue, path: String(path), query: String(query),
            headers: head.headers.map { (name: $0.name, value: $0.value) }, body: body, remoteIP: remoteIP)
    }
}
