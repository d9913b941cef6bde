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
}
