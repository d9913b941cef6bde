#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// The process's descriptor budget: its limit (re-read, so `prlimit` on a running server
/// counts) and how many are open, counted from /proc at most every 250 ms.
public final class FileDescriptors: Sendable {
    public static let shared = FileDescriptors()

    private struct Sample {
        var open = 0
        var limit = Int.max
        var at = ContinuousClock.now - .seconds(1)
        var acceptedSince = 0
    }
    private let sample = Mutex(Sample())

    /// Raises the soft RLIMIT_NOFILE to the hard limit; returns both as they were before.
    @discardableResult
    public static func raiseSoftLimit() -> (soft: UInt64, hard: UInt64, raised: UInt64) {
        var limits = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limits) == 0 else { return (0, 0, 0) }
        let before = (soft: UInt64(limits.rlim_cur), hard: UInt64(limits.rlim_max))
        limits.rlim_cur = limits.rlim_max
        if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limits) != 0 { return (before.soft, before.hard, before.soft) }
        return (before.soft, before.hard, UInt64(limits.rlim_cur))
    }

    /// Descriptors still free, counting `pending` accepted since the last count.
    public func free() -> Int {
        sample.withLock { sample in
            let now = ContinuousClock.now
            if now - sample.at > .milliseconds(250) {
                sample.open = Self.countOpen()
                sample.limit = Self.softLimit()
                sample.at = now
                sample.acceptedSince = 0
            }
            sample.acceptedSince += 1
            return sample.limit - sample.open - sample.acceptedSince
        }
    }

    /// A connection counted by `free` was closed before the next count: under a flood of
    /// connections that are shed as fast as they come, counting only accepts would read the
    /// table as full and make every port refuse, the quiet ones included.
    public func released() {
        sample.withLock { sample in sample.acceptedSince = max(0, sample.acceptedSince - 1) }
    }

    static func softLimit() -> Int {
        var limits = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limits) == 0, limits.rlim_cur < rlim_t(Int.max) else { return Int.max }
        return Int(limits.rlim_cur)
    }

    static func countOpen() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
    }
}
