import Foundation
import Synchronization

/// Collects an instance's stdout and stderr as lines. Reads are non-blocking and may be forced at
/// any moment (`drain`), so the output a function printed just before it posted its response is
/// attributed to that invocation and not to the next one.
final class LogCollector: Sendable {
    /// A function that prints without end must not eat Gust's memory: past this, output is dropped
    /// and only counted.
    static let maxBufferedBytes = 1 << 20
    /// A line longer than this is cut (as Lambda cuts log events at 256 KB), so that output without
    /// line breaks cannot grow a partial line without bound.
    static let maxLineBytes = 256 * 1024

    private struct State {
        var partial: [Int32: [UInt8]] = [:]
        var lines: [String] = []
        var bytes = 0
        /// Bytes read and not kept since the last `take`.
        var droppedBytes = 0
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
        // Full: count what arrives without looking at it (a gigabyte of output costs reads only).
        if state.bytes >= maxBufferedBytes {
            state.droppedBytes += bytes.count + (state.partial[fd]?.count ?? 0)
            state.partial[fd] = nil
            return
        }
        var pending = state.partial[fd, default: []]
        pending.append(contentsOf: bytes)
        var start = pending.startIndex
        while true {
            let window = pending[start..<min(pending.endIndex, start + maxLineBytes)]
            if let newline = window.firstIndex(of: UInt8(ascii: "\n")) {
                keep(pending[start..<newline], terminated: true, in: &state)
                start = newline + 1
            } else if window.count == maxLineBytes {
                keep(window, terminated: false, in: &state)
                start = window.endIndex
            } else {
                break
            }
        }
        state.partial[fd] = Array(pending[start...])
    }

    /// `terminated`: the line ended with a line break, which counts as dropped with it.
    private static func keep(_ line: ArraySlice<UInt8>, terminated: Bool, in state: inout State) {
        if state.bytes + line.count > maxBufferedBytes {
            state.bytes = maxBufferedBytes
            state.droppedBytes += line.count + (terminated ? 1 : 0)
            return
        }
        state.bytes += line.count
        state.lines.append(String(decoding: line, as: UTF8.self))
    }

    /// Hands over the complete lines so far. With `flushPartial`, an unterminated last line too.
    func take(flushPartial: Bool = false) -> [String] {
        state.withLock { state in
            if flushPartial {
                for (fd, rest) in state.partial where !rest.isEmpty {
                    Self.keep(rest[...], terminated: false, in: &state)
                    state.partial[fd] = []
                }
            }
            var lines = state.lines
            if state.droppedBytes > 0 {
                lines.append(
                    "[gust] \(state.droppedBytes) bytes of log output dropped: output exceeded \(Self.maxBufferedBytes) bytes")
            }
            state.lines = []
            state.bytes = 0
            state.droppedBytes = 0
            return lines
        }
    }
}
