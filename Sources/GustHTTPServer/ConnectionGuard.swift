import NIOCore
import NIOHTTP1

/// A connection's deadlines and request limits, shared by every listener: NIO's decoder
/// enforces the header limits; this adds what it has no handler for (IdleStateHandler cannot
/// tell an idle connection from one waiting for a slow function, nor a trickled head from a
/// prompt one).
///
/// - A request head must arrive in full within `headerTimeout` of its first byte.
/// - A body must average `minBodyBytesPerSecond` over each `bodyRateWindow`.
/// - A connection owing no answer closes after `idleTimeout`.
/// - A request target over `maxRequestLineBytes` is answered 414, a declared body over
///   `maxBodyBytes` 413, at once and before the body is read; then the connection closes.
///
/// Two handlers share it: `front` (first in the pipeline) sees raw bytes, so a head being
/// trickled is told from silence, and writes refusals straight to the socket; `self` sits right
/// after the decoder. `Answer` is what the responder writes there; `isAnswerEnd` tells the write
/// that completes an answer (every write, for listeners that write answers whole).
public final class ConnectionGuard<Answer>: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = HTTPServerRequestPart
    public typealias InboundOut = HTTPServerRequestPart
    public typealias OutboundIn = Answer
    public typealias OutboundOut = Answer

    /// A whole response for a refusal or timeout, `Connection: close` included.
    public typealias Refusal = @Sendable (_ status: HTTPResponseStatus, _ allocator: ByteBufferAllocator) -> ByteBuffer

    private let settings: ListenerSettings
    private let slot: ConnectionSlot?
    private let isAnswerEnd: (Answer) -> Bool
    private let refusal: Refusal
    public let front: Front

    /// Requests whose head went on and whose answer is not written yet.
    private var owed = 0
    private var inBody = false
    private var headStarted: NIODeadline?
    private var idleSince = NIODeadline.uptimeNanoseconds(0)
    private var windowStart = NIODeadline.uptimeNanoseconds(0)
    private var windowBytes = 0
    private var timer: Scheduled<Void>?
    private var timerAt: NIODeadline?
    private var context: ChannelHandlerContext?
    private var done = false
    /// The loop's clock (an embedded loop's in tests).
    private var now: NIODeadline { context?.eventLoop.now ?? .now() }

    public init(
        settings: ListenerSettings, slot: ConnectionSlot?, refusal: @escaping Refusal = ConnectionGuard.jsonMessage,
        isAnswerEnd: @escaping (Answer) -> Bool
    ) {
        self.settings = settings
        self.slot = slot
        self.refusal = refusal
        self.isAnswerEnd = isAnswerEnd
        self.front = Front()
        front.owner = self
    }

    /// `{"message": "<reason>"}`, as API Gateway words its own errors.
    public static func jsonMessage(_ status: HTTPResponseStatus, _ allocator: ByteBufferAllocator) -> ByteBuffer {
        let body = #"{"message":"\#(status.reasonPhrase)"}"#
        var buffer = allocator.buffer(capacity: 128 + body.utf8.count)
        HTTPResponseWriter.writeStatusLine(Int(status.code), into: &buffer)
        HTTPResponseWriter.writeField("content-type", "application/json", into: &buffer)
        HTTPResponseWriter.endHead(contentLength: body.utf8.count, date: nil, close: true, into: &buffer)
        buffer.writeString(body)
        return buffer
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        idleSince = now
        arm()
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        stop()
    }

    public func channelInactive(context: ChannelHandlerContext) {
        stop()
        context.fireChannelInactive()
    }

    /// Once refused, what the decoder makes of the rest is nobody's business.
    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !done { context.fireErrorCaught(error) }
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !done else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            headStarted = nil
            if head.uri.utf8.count > settings.maxRequestLineBytes {
                return refuse(.uriTooLong)
            }
            if let limit = settings.maxBodyBytes, let declared = head.headers.first(name: "content-length"),
                (Int(declared) ?? Int.max) > limit
            {
                return refuse(.payloadTooLarge)
            }
            // Clients that ask (botocore on every PutObject) wait a second for this before they
            // send the body. Nothing is owed before it (else it would land inside an answer being
            // written); a pipelined request's client just waits out its own timeout.
            if owed == 0, head.version.minor >= 1, head.headers[canonicalForm: "expect"].contains(where: { $0.lowercased() == "100-continue" }),
                let front = front.context
            {
                front.writeAndFlush(NIOAny(Self.continueBuffer(context.channel.allocator)), promise: nil)
            }
            owed += 1
            if owed == 1 { slot?.setIdle(false) }
            inBody = true
            windowStart = now
            windowBytes = 0
            arm()
        case .body:
            break
        case .end:
            inBody = false
        }
        context.fireChannelRead(data)
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if owed > 0, isAnswerEnd(unwrapOutboundIn(data)) {
            owed -= 1
            if owed == 0 {
                idleSince = now
                slot?.setIdle(true)
                arm()
            }
        }
        context.write(data, promise: promise)
    }

    /// Raw bytes arrived (from `front`).
    fileprivate func bytesArrived(_ count: Int) {
        if inBody {
            windowBytes += count
        } else if headStarted == nil {
            headStarted = now
            arm()
        }
    }

    private var nextDeadline: NIODeadline? {
        if inBody { return windowStart + settings.bodyRateWindow }
        if let headStarted { return headStarted + settings.headerTimeout }
        if owed == 0 { return idleSince + settings.idleTimeout }
        return nil
    }

    /// One timer per connection, moved only earlier; when it fires late work re-arms it.
    private func arm() {
        guard !done, let context, let deadline = nextDeadline else { return }
        if let timerAt, timerAt <= deadline { return }
        timer?.cancel()
        timerAt = deadline
        // Weak: a connection torn down without an inactive event must not live on in its timer.
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [weak self] in self?.fired() }
    }

    private func fired() {
        timer = nil
        timerAt = nil
        guard !done else { return }
        if inBody {
            if now >= windowStart + settings.bodyRateWindow {
                let seconds = Double(settings.bodyRateWindow.nanoseconds) / 1e9
                if Double(windowBytes) < Double(settings.minBodyBytesPerSecond) * seconds {
                    return refuse(.requestTimeout, owedBefore: owed - 1)
                }
                windowStart = now
                windowBytes = 0
            }
        } else if let headStarted {
            if now >= headStarted + settings.headerTimeout { return refuse(.requestTimeout) }
        } else if owed == 0, now >= idleSince + settings.idleTimeout {
            // Idle: closed without a word, as every server does.
            done = true
            context?.close(promise: nil)
            return
        }
        arm()
    }

    /// Answers `status` and closes, when no earlier answer is owed (else only closes: the answer
    /// would overtake those).
    private func refuse(_ status: HTTPResponseStatus, owedBefore: Int? = nil) {
        guard let context else { return }
        done = true
        stop()
        if (owedBefore ?? owed) == 0, let front = front.context {
            front.writeAndFlush(NIOAny(refusal(status, context.channel.allocator))).whenComplete { [channel = context.channel] _ in
                LingeringClose.close(channel)
            }
        } else {
            context.close(promise: nil)
        }
    }

    static func continueBuffer(_ allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 25)
        buffer.writeString("HTTP/1.1 100 Continue\r\n\r\n")
        return buffer
    }

    private func stop() {
        timer?.cancel()
        timer = nil
        timerAt = nil
    }

    /// First in the pipeline: counts raw bytes for its guard, and is where refusals are written.
    public final class Front: ChannelInboundHandler, RemovableChannelHandler {
        public typealias InboundIn = ByteBuffer
        public typealias InboundOut = ByteBuffer
        fileprivate weak var owner: ConnectionGuard?
        fileprivate var context: ChannelHandlerContext?

        public func handlerAdded(context: ChannelHandlerContext) {
            self.context = context
        }

        public func handlerRemoved(context: ChannelHandlerContext) {
            self.context = nil
        }

        public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            owner?.bytesArrived(unwrapInboundIn(data).readableBytes)
            context.fireChannelRead(data)
        }
    }
}
