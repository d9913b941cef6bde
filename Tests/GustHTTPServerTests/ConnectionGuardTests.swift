import GustHTTPServer
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Synchronization
import Testing

@Suite struct ConnectionGuardTests {
    static let settings = ListenerSettings(
        headerTimeout: .seconds(2), minBodyBytesPerSecond: 100, bodyRateWindow: .seconds(5), idleTimeout: .seconds(10),
        maxRequestLineBytes: 64, maxBodyBytes: 1000)

    /// A channel with the guard's two halves around NIO's decoder, as the listeners build it.
    func channel(_ settings: ListenerSettings = settings) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        let guarding = ConnectionGuard<ByteBuffer>(settings: settings, slot: nil) { _ in true }
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
    func connected(_ count: Int) throws -> [EmbeddedChannel] {
        try (0..<count).map { _ in
            let channel = EmbeddedChannel()
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
            return channel
        }
    }

    @Test func overTheCapTheOldestIdleConnectionIsShed() throws {
        let registry = ConnectionRegistry(settings: ListenerSettings(maxConnections: 2, fdReserve: 0))
        let channels = try connected(4)
        let a = try #require(registry.admit(channels[0]))
        #expect(registry.admit(channels[1]) != nil)
        a.setIdle(false)  // owes an answer: kept
        let c = try #require(registry.admit(channels[2]))
        #expect(channels[0].isActive && !channels[1].isActive)
        c.setIdle(false)
        // None idle: the new one is refused.
        #expect(registry.admit(channels[3]) == nil)
        #expect(registry.count == 2)
    }

    /// Below the descriptor reserve, one admission sheds as many idle connections as the
    /// deficit (not one), so the reserve is back at once; a changed limit is seen at once.
    @Test func belowTheReserveTheDeficitIsShedAtOnce() throws {
        let table = Mutex((open: 50, limit: 100))
        let descriptors = FileDescriptors(
            countOpen: { table.withLock { $0.open } }, softLimit: { table.withLock { $0.limit } })
        let registry = ConnectionRegistry(settings: ListenerSettings(maxConnections: 1000, fdReserve: 10), descriptors: descriptors)
        let channels = try connected(6)
        for channel in channels.prefix(5) { #expect(registry.admit(channel) != nil) }
        #expect(channels.prefix(5).allSatisfy { $0.isActive })
        // The table filled up elsewhere, and the limit was lowered (`prlimit`): 5 would stay free.
        table.withLock { $0 = (open: 95, limit: 101) }
        #expect(registry.admit(channels[5]) != nil)
        #expect(!channels.prefix(5).contains { $0.isActive })
        #expect(registry.count == 1)
    }
}
