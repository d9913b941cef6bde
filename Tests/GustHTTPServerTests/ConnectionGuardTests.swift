import GustHTTPServer
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@Suite struct ConnectionGuardTests {
    static let settings = ListenerSettings(
        headerTimeout: .seconds(2), minBodyBytesPerSecond: 100, bodyRateWindow: .seconds(5), idleTimeout: .seconds(10),
        maxRequestLineBytes: 64, maxBodyBytes: 1000)

    /// A channel with the guard's two halves around NIO's decoder, as the listeners build it.
    func channel(_ settings: ListenerSettings = settings) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        let guarding = ConnectionGuard<ByteBuffer>(settings: settings, registry: nil) { _ in true }
        try channel.pipeline.syncOperations.addHandler(guarding.front)
        try channel.pipeline.syncOperations.addHandler(settings.makeDecoder())
        try channel.pipeline.syncOperations.addHandler(guarding)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return channel
    }

    func send(_ channel: EmbeddedChannel, _ text: String) throws {
        try channel.writeInbound(ByteBuffer(string: text))
    }

    func answer(_ channel: EmbeddedChannel) throws -> String? {
        try channel.readOutbound(as: ByteBuffer.self).map { String(buffer: $0) }
    }

    @Test func declaredBodyTooLargeIs413AtOnce() throws {
        let channel = try channel()
        try send(channel, "POST / HTTP/1.1\r\nContent-Length: 9223372036854775807\r\n\r\n")
        #expect(try answer(channel)?.hasPrefix("HTTP/1.1 413") == true)
        // Nothing reached the responder.
        #expect(try channel.readInbound(as: HTTPServerRequestPart.self) == nil)
    }

    @Test func longRequestTargetIs414() throws {
        let channel = try channel()
        try send(channel, "GET /\(String(repeating: "a", count: 100)) HTTP/1.1\r\n\r\n")
        #expect(try answer(channel)?.hasPrefix("HTTP/1.1 414") == true)
    }

    @Test func headTrickledPastTheHeaderTimeoutIs408() throws {
        let channel = try channel()
        try send(channel, "GET / HTTP/1.1\r\n")
        (channel.eventLoop as! EmbeddedEventLoop).advanceTime(by: .seconds(1))
        #expect(try answer(channel) == nil)
        try send(channel, "X-A: 1\r\n")  // still trickling: the deadline runs from the first byte
        (channel.eventLoop as! EmbeddedEventLoop).advanceTime(by: .seconds(1))
        #expect(try answer(channel)?.hasPrefix("HTTP/1.1 408") == true)
    }

    @Test func idleConnectionClosesAfterTheIdleTimeout() throws {
        let channel = try channel()
        (channel.eventLoop as! EmbeddedEventLoop).advanceTime(by: .seconds(9))
        #expect(channel.isActive)
        (channel.eventLoop as! EmbeddedEventLoop).advanceTime(by: .seconds(1))
        #expect(!channel.isActive)
        #expect(try answer(channel) == nil)
    }

    @Test func connectionWaitingForItsAnswerIsNotIdle() throws {
        let channel = try channel()
        try send(channel, "GET / HTTP/1.1\r\n\r\n")
        (channel.eventLoop as! EmbeddedEventLoop).advanceTime(by: .seconds(60))
        #expect(channel.isActive)
        // The answer written: the idle timeout starts again.
        try channel.writeOutbound(ByteBuffer(string: "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"))
        (channel.eventLoop as! EmbeddedEventLoop).advanceTime(by: .seconds(10))
        #expect(!channel.isActive)
    }

    @Test func slowBodyIs408() throws {
        let channel = try channel()
        try send(channel, "POST / HTTP/1.1\r\nContent-Length: 900\r\n\r\nabc")
        (channel.eventLoop as! EmbeddedEventLoop).advanceTime(by: .seconds(5))
        #expect(!channel.isActive)
    }

    @Test func bodyAtTheMinimumRateGoesOn() throws {
        var settings = Self.settings
        settings.maxBodyBytes = nil
        let channel = try channel(settings)
        try send(channel, "POST / HTTP/1.1\r\nContent-Length: 2000\r\n\r\n")
        for _ in 0..<3 {
            try send(channel, String(repeating: "x", count: 300))  // 60 bytes/s: short of 100
            (channel.eventLoop as! EmbeddedEventLoop).advanceTime(by: .seconds(2))
            try send(channel, String(repeating: "x", count: 300))
            (channel.eventLoop as! EmbeddedEventLoop).advanceTime(by: .seconds(3))
        }
        #expect(channel.isActive)
    }
}

@Suite struct ConnectionRegistryTests {
    @Test func overTheCapTheOldestIdleConnectionIsShed() throws {
        let registry = ConnectionRegistry(settings: ListenerSettings(maxConnections: 2, fdReserve: 0))
        let (a, b, c, d) = (EmbeddedChannel(), EmbeddedChannel(), EmbeddedChannel(), EmbeddedChannel())
        for channel in [a, b, c, d] { try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait() }
        #expect(registry.admit(a) && registry.admit(b))
        registry.setIdle(a, false)  // owes an answer: kept
        #expect(registry.admit(c))
        #expect(a.isActive && !b.isActive)
        registry.setIdle(c, false)
        // None idle: the new one is refused.
        #expect(!registry.admit(d))
        #expect(registry.count == 2)
    }
}
