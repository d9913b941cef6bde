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

    private let countOpen: @Sendable () -> Int
    private let softLimit: @Sendable () -> Int

    /// The process's own table by default; tests give their own counts.
    public init(
        countOpen: @escaping @Sendable () -> Int = FileDescriptors.countOpen,
        softLimit: @escaping @Sendable () -> Int = FileDescriptors.softLimit
    ) {
        self.countOpen = countOpen
        self.softLimit = softLimit
    }

    private struct Sample {
        var open = 0
        var limit = Int.max
        var at = ContinuousClock.now - .seconds(1)
        var acceptedSince = 0
    }
    private let sample = Mutex(Sample())

    /// Raises the soft RLIMIT_NOFILE to the hard limit; returns the soft and hard limits as they
    /// were before, and the soft limit now.
    @discardableResult
    public static func raiseSoftLimit() -> (soft: UInt64, hard: UInt64, raised: UInt64) {
        var limits = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limits) == 0 else { return (0, 0, 0) }
        let before = (soft: UInt64(limits.rlim_cur), hard: UInt64(limits.rlim_max))
        limits.rlim_cur = limits.rlim_max
        if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limits) != 0 { return (before.soft, before.hard, before.soft) }
        return (before.soft, before.hard, UInt64(limits.rlim_cur))
    }

    /// Descriptors still free, counting the connections accepted since the last count. The
    /// limit is read every time (one syscall), and a changed one recounts at once.
    public func free() -> Int {
        let limit = softLimit()
        return sample.withLock { sample in
            let now = ContinuousClock.now
            if limit != sample.limit || now - sample.at > .milliseconds(250) {
                sample.open = countOpen()
                sample.limit = limit
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

    public static func softLimit() -> Int {
        var limits = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limits) == 0, limits.rlim_cur < rlim_t(Int.max) else { return Int.max }
        return Int(limits.rlim_cur)
    }

    public static func countOpen() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
    }
}
