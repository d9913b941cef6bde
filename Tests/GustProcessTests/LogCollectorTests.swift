import Foundation
import Testing

@testable import GustProcess

@Suite struct LogCollectorTests {
    @Test func splitsLinesAndKeepsPartialsUntilFlushed() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        let collector = LogCollector(fds: [fds[0]])
        let text = "one\ntwo\nthr"
        _ = text.withCString { write(fds[1], $0, strlen($0)) }
        collector.drainAll()
        #expect(collector.take() == ["one", "two"])
        _ = "ee\n".withCString { write(fds[1], $0, strlen($0)) }
        collector.drainAll()
        #expect(collector.take() == ["three"])
        _ = "tail".withCString { write(fds[1], $0, strlen($0)) }
        collector.drainAll()
        #expect(collector.take().isEmpty)
        #expect(collector.take(flushPartial: true) == ["tail"])
    }

    /// Output past the cap is counted, not kept; a line without end is cut rather than grown.
    @Test func capsOutputAndCutsEndlessLines() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        _ = fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK)
        let collector = LogCollector(fds: [fds[0]])
        let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 32 * 1024)
        var written = 0
        // 3 MiB without a single line break, drained as it goes (a pipe holds 64 KiB).
        while written < 3 << 20 {
            let count = chunk.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) }
            if count > 0 { written += count }
            collector.drainAll()
        }
        let lines = collector.take(flushPartial: true)
        let kept = lines.dropLast()
        #expect(kept.allSatisfy { $0.utf8.count == LogCollector.maxLineBytes })
        #expect(kept.count == LogCollector.maxBufferedBytes / LogCollector.maxLineBytes)
        let marker = try #require(lines.last)
        #expect(marker.hasPrefix("[gust] \(written - LogCollector.maxBufferedBytes) bytes of log output dropped"))
        // The next invocation starts with an empty budget.
        _ = "next\n".withCString { write(fds[1], $0, strlen($0)) }
        collector.drainAll()
        #expect(collector.take() == ["next"])
    }
}
