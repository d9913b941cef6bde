import NIOCore
import NIOHTTP1

/// What one listener tolerates from its clients: connection count, timeouts and request limits.
/// Every listener (API port, HTTP trigger port, Runtime API) takes one; the defaults and the
/// `gust serve` flags are in docs/api.md.
public struct ListenerSettings: Sendable, Equatable {
    /// Open connections at most; beyond it the oldest idle connection is shed (or, when none is
    /// idle, the new one is refused). Lowered at run time to keep `fdReserve` free.
    public var maxConnections: Int
    /// Descriptors that must stay free after this listener accepts: a flood on one port must not
    /// take the descriptors another port (or an instance) needs.
    public var fdReserve: Int
    /// A request head must arrive in full within this time of its first byte (nginx's
    /// `client_header_timeout`).
    public var headerTimeout: TimeAmount
    /// A body must average at least `minBodyBytesPerSecond` over every `bodyRateWindow`.
    public var minBodyBytesPerSecond: Int
    public var bodyRateWindow: TimeAmount
    /// A connection with no request in progress is closed after this long.
    public var idleTimeout: TimeAmount
    /// Header fields per request, and their total size in bytes (431 beyond either).
    public var maxHeaderCount: Int
    public var maxHeaderBytes: Int
    /// The request target (414 beyond it).
    public var maxRequestLineBytes: Int
    /// A declared body larger than this is answered 413 at once, before it is read; nil leaves
    /// bodies to the responder (the Runtime API answers an oversized result in Lambda's form).
    public var maxBodyBytes: Int?

    public init(
        maxConnections: Int = 10_000, fdReserve: Int = 128, headerTimeout: TimeAmount = .seconds(20),
        minBodyBytesPerSecond: Int = 1024, bodyRateWindow: TimeAmount = .seconds(10), idleTimeout: TimeAmount = .seconds(60),
        maxHeaderCount: Int = 100, maxHeaderBytes: Int = 32 * 1024, maxRequestLineBytes: Int = 8 * 1024,
        maxBodyBytes: Int? = 6 * 1024 * 1024
    ) {
        self.maxConnections = maxConnections
        self.fdReserve = fdReserve
        self.headerTimeout = headerTimeout
        self.minBodyBytesPerSecond = minBodyBytesPerSecond
        self.bodyRateWindow = bodyRateWindow
        self.idleTimeout = idleTimeout
        self.maxHeaderCount = maxHeaderCount
        self.maxHeaderBytes = maxHeaderBytes
        self.maxRequestLineBytes = maxRequestLineBytes
        self.maxBodyBytes = maxBodyBytes
    }

    /// NIO's decoder enforces the header limits (it counts the request target as a field, so a
    /// target too long even for that is a 431 rather than a 414).
    public var decoderLimits: NIOHTTPDecoderLimitConfiguration {
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderFieldCount = maxHeaderCount
        limits.maxHeaderListSize = maxHeaderBytes
        limits.maxHeaderFieldSize = max(maxHeaderBytes, maxRequestLineBytes * 2)
        return limits
    }

    /// The request decoder with these limits.
    public func makeDecoder() -> ByteToMessageHandler<HTTPRequestDecoder> {
        ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes, limitConfiguration: decoderLimits))
    }
}
