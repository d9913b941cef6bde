import Foundation
import Synchronization

/// Collects an instance's stdout and stderr as lines. Reads are non-blocking and may be forced at
/// any moment (`drain`), so the output a function printed just before it posted its response is
/// attributed to that invocation and not to the next one.
final class LogCollector: Sendable {
    /// A function that prints without end must not eat Gust's memory: past this, lines are dropped.
    static let maxBufferedBytes = 1 << 20

    private struct State {
        var partial: [Int32: [UInt8]] = [:]
        var lines: [String] = []
        var bytes = 0
        var dropped = 0
        /// Reused for every read: allocating 64 KiB per drain shows on the warm path.
        var buffer = [UInt8](repeating: 0, count: 65536)
    }

    private let state = Mutex(State())
    private let fds: [Int32]

    init(fds: [Int32]) {
        self.fds = fds
        for fd in fds {
            let flags = fcntl(fd, F_GETFL)
            _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        }
    }

    /// Reads whatever is available on every descriptor now. Returns false once all are at EOF.
    @discardableResult
    func drainAll() -> Bool {
        var open = false
        for fd in fds where drain(fd) { open = true }
        return open
    }

    /// Reads what is available on one descriptor; returns false at EOF or on error. The read and
    /// the append happen under one lock: the pipe's reader (a dispatch source) and a forced drain
    /// may race, and chunks must not be appended out of order.
    @discardableResult
    func drain(_ fd: Int32) -> Bool {
        state.withLock { state in
            while true {
                let count = state.buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count > 0 {
                    Self.append(fd: fd, bytes: state.buffer[0..<count], to: &state)
                    continue
                }
                if count == 0 { return false }
                let error = errno
                if error == EINTR { continue }
                return error == EAGAIN || error == EWOULDBLOCK
            }
        }
    }

    private static func append(fd: Int32, bytes: ArraySlice<UInt8>, to state: inout State) {
        var pending = state.partial[fd, default: []]
        pending.append(contentsOf: bytes)
        var start = pending.startIndex
        while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
            keep(String(decoding: pending[start..<newline], as: UTF8.self), in: &state)
            start = newline + 1
        }
        state.partial[fd] = Array(pending[start...])
    }

    private static func keep(_ line: String, in state: inout State) {
        if state.bytes + line.utf8.count > maxBufferedBytes {
            state.dropped += 1
            return
        }
        state.bytes += line.utf8.count
        state.lines.append(line)
    }

    /// Hands over the complete lines so far. With `flushPartial`, an unterminated last line too.
    func take(flushPartial: Bool = false) -> [String] {
        state.withLock { state in
            if flushPartial {
                for (fd, rest) in state.partial where !rest.isEmpty {
                    Self.keep(String(decoding: rest, as: UTF8.self), in: &state)
                    state.partial[fd] = []
                }
            }
            var lines = state.lines
            if state.dropped > 0 {
                lines.append("[gust] \(state.dropped) log lines dropped: output exceeded \(Self.maxBufferedBytes) bytes")
            }
            state.lines = []
            state.bytes = 0
            state.dropped = 0
            return lines
        }
    }
}
