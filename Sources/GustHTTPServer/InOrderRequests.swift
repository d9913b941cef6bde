// Hand-written: NIO's `HTTPServerPipelineHandler` keeps pipelined requests in order by holding
// back the socket's next read while a response is pending. Gust's listeners answer most requests
// later (a function's result, a Runtime API `next`), so that re-registered every kept-alive
// socket with epoll twice per request. This keeps the order and holds reads back only while a
// request actually waits. (NIO's `NIOHTTPServerRequestAggregator` would gather bodies, but it
// answers an oversized one itself with an empty 413 and closes; both listeners need their own.)
import NIOCore
import NIOHTTP1

/// One connection's requests, gathered from their parts and handed out one at a time, in the
/// order they arrived. A pure state machine: the channel handler feeds it parts and errors, takes
/// the next request when it may start one, and reports each answer.
public struct InOrderRequests {
    public enum Item {
        /// `body` is nil when it exceeded `maxBodyBytes`.
        case request(HTTPRequestHead, body: [UInt8]?)
        /// The decoder could not parse what followed: answer this status (400, or 431 for
        /// headers over the listener's limits) and close.
        case malformed(HTTPResponseStatus)
    }

    let maxBodyBytes: Int
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    private var tooLarge = false
    private var queue: [Item] = []
    private var sawMalformed = false
    /// The client half-closed: the answers owed still go out, then the connection closes.
    public private(set) var inputEnded = false
    /// An item was handed out and not answered yet.
    private var busy = false
    /// Nothing in flight, queued or partly received.
    public var isIdle: Bool { !busy && head == nil && queue.isEmpty }
    /// The connection ends after the answer being written (or already went away).
    public private(set) var closing = false
    private var readHeld = false
    /// A `pump` is running: answers given at once are written from inside it.
    private var pumping = false

    public init(maxBodyBytes: Int) {
        self.maxBodyBytes = maxBodyBytes
    }

    /// Feeds one decoded part of a request.
    public mutating func receive(_ part: HTTPServerRequestPart) {
        switch part {
        case .head(let head):
            self.head = head
            body = nil
            tooLarge = false
        case .body(var chunk):
            guard !tooLarge else { return }
            if (body?.readableBytes ?? 0) + chunk.readableBytes > maxBodyBytes {
                tooLarge = true
                body = nil
            } else if body == nil {
                body = chunk
            } else {
                body!.writeBuffer(&chunk)
            }
        case .end:
            guard let head else { return }
            self.head = nil
            let bytes = tooLarge ? nil : (body.map { Array(buffer: $0) } ?? [])
            body = nil
            if !closing { queue.append(.request(head, body: bytes)) }
        }
    }

    /// An error from the pipeline. A parse error queues its 400 behind the answers still owed
    /// (the decoder then reports every later read as an error too: ignored). Returns true when
    /// the connection should close now: any other error, unless a 400 is already on its way.
    public mutating func failed(_ error: any Error) -> Bool {
        if error is HTTPParserError {
            let status: HTTPResponseStatus =
                (error as? HTTPParserError) == .headerOverflow ? .requestHeaderFieldsTooLarge : .badRequest
            if !sawMalformed, !closing { queue.append(.malformed(status)) }
            sawMalformed = true
            return false
        }
        return !sawMalformed && !closing
    }

    /// The next item to answer, when none is in flight.
    public mutating func next() -> Item? {
        guard !busy, !closing, !queue.isEmpty else { return nil }
        busy = true
        return queue.removeFirst()
    }

    /// The answer to the item in flight was written; `close` when the connection ends with it.
    public mutating func answered(close: Bool) {
        busy = false
        if close {
            closing = true
            queue = []
        }
    }

    /// The client will send nothing more; returns true when the connection should close now
    /// (nothing is owed). Else the last answer closes it (`closesAfterAnswer`).
    public mutating func endOfInput() -> Bool {
        inputEnded = true
        return isIdle
    }

    /// The answer about to be written is the last this connection will give.
    public var closesAfterAnswer: Bool { inputEnded && queue.isEmpty && head == nil }

    /// The channel went away.
    public mutating func inactive() {
        closing = true
        queue = []
    }

    /// An outbound read: true to pass it on now, false to hold it while requests wait.
    public mutating func shouldRead() -> Bool {
        if queue.isEmpty { return true }
        readHeld = true
        return false
    }

    /// Whether a pump may start (none is running); `endPump` when it is done.
    public mutating func beginPump() -> Bool {
        guard !pumping else { return false }
        pumping = true
        return true
    }

    public mutating func endPump() {
        pumping = false
    }

    /// True once, when a read held back may go on (the queue has drained).
    public mutating func takeResumedRead() -> Bool {
        guard readHeld, queue.isEmpty else { return false }
        readHeld = false
        return true
    }
}

/// A channel handler that answers its connection's requests in order through `InOrderRequests`:
/// the trigger listener and the Runtime API. The extension is the plumbing they share; a handler
/// supplies `start`, and calls `requests.answered` then `pump` when it has written an answer.
public protocol InOrderResponder: ChannelDuplexHandler
where InboundIn == HTTPServerRequestPart, OutboundIn == ByteBuffer, OutboundOut == ByteBuffer {
    var requests: InOrderRequests { get set }
    /// Begins answering `item`, now or later.
    func start(_ item: InOrderRequests.Item, context: ChannelHandlerContext)
}

extension InOrderResponder {
    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        requests.receive(unwrapInboundIn(data))
        pump(context)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        requests.inactive()
        context.fireChannelInactive()
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if requests.failed(error) {
            context.close(promise: nil)
        } else {
            pump(context)
        }
    }

    public func read(context: ChannelHandlerContext) {
        if requests.shouldRead() { context.read() }
    }

    /// Starts queued requests in order until one has to wait for its answer; that answer resumes
    /// the loop. Not re-entered: an answer given at once returns here and the loop goes on.
    public func pump(_ context: ChannelHandlerContext) {
        guard requests.beginPump() else { return }
        while let item = requests.next() {
            start(item, context: context)
        }
        requests.endPump()
        if requests.takeResumedRead() { context.read() }
    }
}
