import Foundation
import Logging

/// Caps an instance's memory with the best mechanism the host allows: a cgroup v2 or v1 memory
/// controller where Gust can write it (the kernel then kills the instance at the cap and counts the
/// OOM kill), else an address-space rlimit applied by a tiny shell wrapper. Where the pids and cpu
/// controllers are writable too, the same cgroup caps the instance's processes (a fork bomb) and
/// its CPU (in proportion to memory, `CPUShare`).
public struct MemoryLimiter: Sendable {
    public enum Mechanism: Sendable, Equatable {
        case cgroupV2(parent: String)
        /// `others`: parents in the v1 hierarchies of the pids and cpu controllers, when writable.
        case cgroupV1(parent: String, others: [String] = [])
        case rlimit
    }

    public let mechanism: Mechanism
    /// What `makeCgroup` also limits besides memory.
    public let limitsPids: Bool
    public let limitsCPU: Bool
    public let cpu: CPUShare
    /// Processes (and threads) per instance.
    public let maxPids: Int
    public static let defaultMaxPids = 256

    public init(mechanism: Mechanism, limitsPids: Bool = false, limitsCPU: Bool = false, cpu: CPUShare = CPUShare(), maxPids: Int = MemoryLimiter.defaultMaxPids) {
        self.mechanism = mechanism
        self.limitsPids = limitsPids
        self.limitsCPU = limitsCPU
        self.cpu = cpu
        self.maxPids = maxPids
    }

    /// Removes what servers that died without cleaning up (SIGKILL) left behind: `gust-<pid>`
    /// cgroups whose server is gone, with their (empty) instance cgroups.
    static func removeStale(in root: String) {
        let fm = FileManager.default
        for entry in (try? fm.contentsOfDirectory(atPath: root)) ?? [] where entry.hasPrefix("gust-") {
            guard let pid = Int32(entry.dropFirst(5)), kill(pid, 0) != 0, errno == ESRCH else { continue }
            let parent = "\(root)/\(entry)"
            for child in (try? fm.contentsOfDirectory(atPath: parent)) ?? [] {
                var isDirectory: ObjCBool = false
                if fm.fileExists(atPath: "\(parent)/\(child)", isDirectory: &isDirectory), isDirectory.boolValue {
                    rmdir("\(parent)/\(child)")
                }
            }
            rmdir(parent)
        }
    }

    /// Probes the host once at start.
    public static func detect(logger: Logger, cpu: CPUShare = CPUShare(), maxPids: Int = MemoryLimiter.defaultMaxPids) -> MemoryLimiter {
        removeStale(in: "/sys/fs/cgroup")
        for controller in ["memory", "pids", "cpu"] { removeStale(in: "/sys/fs/cgroup/\(controller)") }
        let fm = FileManager.default
        let name = "gust-\(getpid())"
        let v2Root = "/sys/fs/cgroup"
        if let controllers = try? String(contentsOfFile: "\(v2Root)/cgroup.controllers", encoding: .utf8),
            controllers.split(separator: " ").contains(where: { $0.trimmingCharacters(in: .whitespacesAndNewlines) == "memory" })
        {
            let parent = "\(v2Root)/\(name)"
            if (try? fm.createDirectory(atPath: parent, withIntermediateDirectories: true)) != nil,
                write("+memory", to: "\(parent)/cgroup.subtree_control") || fm.fileExists(atPath: "\(parent)/memory.max")
            {
                let pids = write("+pids", to: "\(parent)/cgroup.subtree_control")
                let cpuOK = write("+cpu", to: "\(parent)/cgroup.subtree_control")
                logMissing(pids: pids, cpu: cpuOK, logger: logger)
                return MemoryLimiter(mechanism: .cgroupV2(parent: parent), limitsPids: pids, limitsCPU: cpuOK, cpu: cpu, maxPids: maxPids)
            }
            try? fm.removeItem(atPath: parent)
        }
        let v1Root = "/sys/fs/cgroup/memory"
        if fm.fileExists(atPath: "\(v1Root)/memory.limit_in_bytes") {
            let parent = "\(v1Root)/\(name)"
            if (try? fm.createDirectory(atPath: parent, withIntermediateDirectories: true)) != nil,
                fm.fileExists(atPath: "\(parent)/memory.limit_in_bytes")
            {
                // v1 keeps each controller in a hierarchy of its own: an instance joins each.
                func other(_ controller: String, _ file: String) -> String? {
                    let path = "/sys/fs/cgroup/\(controller)/\(name)"
                    guard fm.fileExists(atPath: "/sys/fs/cgroup/\(controller)/cgroup.procs"),
                        (try? fm.createDirectory(atPath: path, withIntermediateDirectories: true)) != nil,
                        fm.fileExists(atPath: "\(path)/\(file)")
                    else { return nil }
                    return path
                }
                let pids = other("pids", "pids.max")
                let cpuPath = other("cpu", "cpu.cfs_quota_us")
                logMissing(pids: pids != nil, cpu: cpuPath != nil, logger: logger)
                return MemoryLimiter(
                    mechanism: .cgroupV1(parent: parent, others: [pids, cpuPath].compactMap { $0 }), limitsPids: pids != nil,
                    limitsCPU: cpuPath != nil, cpu: cpu, maxPids: maxPids)
            }
        }
        logger.warning("no writable cgroup memory controller: memory limits fall back to rlimit (address space)")
        return MemoryLimiter(mechanism: .rlimit)
    }

    private static func logMissing(pids: Bool, cpu: Bool, logger: Logger) {
        if !pids { logger.warning("no writable pids cgroup: processes are capped per function uid (ulimit -p) instead") }
        if !cpu { logger.warning("no writable cpu cgroup: instances are not held to their CPU share") }
    }

    /// Creates a cgroup for an instance (or a spare); nil with the rlimit mechanism or when creation
    /// fails. Without `limitMB` the limit is set later, when a spare is taken.
    func makeCgroup(instanceID: String, limitMB: Int?) -> MemoryCgroup? {
        let path: String
        let version: Int
        switch mechanism {
        case .rlimit:
            return nil
        case .cgroupV2(let parent):
            (path, version) = ("\(parent)/\(instanceID)", 2)
        case .cgroupV1(let parent, _):
            (path, version) = ("\(parent)/\(instanceID)", 1)
        }
        guard (try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)) != nil else {
            return nil
        }
        var others: [String] = []
        if case .cgroupV1(_, let parents) = mechanism {
            for parent in parents where (try? FileManager.default.createDirectory(atPath: "\(parent)/\(instanceID)", withIntermediateDirectories: false)) != nil {
                others.append("\(parent)/\(instanceID)")
            }
        }
        let cgroup = MemoryCgroup(path: path, version: version, others: others)
        if limitsPids { cgroup.setPids(maxPids) }
        if cgroup.version == 2 {
            _ = Self.write("0", to: "\(cgroup.path)/memory.swap.max")
        } else {
            _ = Self.write("0", to: "\(cgroup.path)/memory.swappiness")
        }
        if let limitMB, !cgroup.setLimit(megabytes: limitMB) {
            cgroup.removeNow()
            return nil
        }
        return cgroup
    }

    var usesCgroups: Bool { mechanism != .rlimit }

    /// Wraps a command so that it enters its cgroup (or takes its rlimit) before it execs: nothing
    /// it forks can escape the limit.
    func wrap(_ launch: Sandbox.Launch, cgroup: MemoryCgroup?, limitMB: Int, rlimitAllowed: Bool) -> [String] {
        var setup: [String] = []
        if let cgroup {
            setup.append(cgroup.joinCommand)
        } else if mechanism == .rlimit, rlimitAllowed {
            // Address space is larger than resident memory; headroom keeps interpreters starting.
            setup.append("ulimit -v \((limitMB + 256) * 1024)")
        }
        setup += launch.setup
        guard !setup.isEmpty else { return launch.argv }
        return ["/bin/sh", "-c", (setup + ["exec \"$@\""]).joined(separator: " && "), "sh"] + launch.argv
    }

    public func removeParent() {
        switch mechanism {
        case .cgroupV2(let parent): rmdir(parent)
        case .cgroupV1(let parent, let others):
            rmdir(parent)
            for other in others { rmdir(other) }
        case .rlimit: break
        }
    }

    @discardableResult
    static func write(_ value: String, to path: String) -> Bool {
        let fd = open(path, O_WRONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return value.withCString { Foundation.write(fd, $0, strlen($0)) } >= 0
    }
}

/// One instance's memory cgroup.
final class MemoryCgroup: Sendable {
    let path: String
    let version: Int
    /// The instance's cgroups in the other v1 hierarchies (pids, cpu); empty on v2.
    let others: [String]
    /// The peak-usage file stays open: it is read after every invocation, and open/read/close
    /// per invocation showed in the warm path's syscalls.
    private let peakFD: Int32
    /// `pids.events`, whose `max` counts the forks the pids limit refused; -1 without one.
    private let pidsEventsFD: Int32

    init(path: String, version: Int, others: [String] = []) {
        self.path = path
        self.version = version
        self.others = others
        peakFD = open("\(path)/\(version == 2 ? "memory.peak" : "memory.max_usage_in_bytes")", O_RDONLY | O_CLOEXEC)
        let pids = others.first { $0.contains("/pids/") } ?? path
        pidsEventsFD = open("\(pids)/pids.events", O_RDONLY | O_CLOEXEC)
    }

    deinit {
        if peakFD >= 0 { close(peakFD) }
        if pidsEventsFD >= 0 { close(pidsEventsFD) }
    }

    /// How many process creations the pids limit has refused so far.
    func pidsLimitHits() -> Int? {
        guard pidsEventsFD >= 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = buffer.withUnsafeMutableBytes { pread(pidsEventsFD, $0.baseAddress, $0.count, 0) }
        guard count > 4, buffer[0..<4] == Array("max ".utf8)[...] else { return nil }
        var hits = 0
        for byte in buffer[4..<count] where byte >= 0x30 && byte <= 0x39 { hits = hits * 10 + Int(byte - 0x30) }
        return hits
    }

    var procsFile: String { "\(path)/cgroup.procs" }

    /// The shell command that moves the shell running it into every one of the instance's cgroups.
    var joinCommand: String {
        ([path] + others).map { "echo $$ > \(SpareProcess.quote("\($0)/cgroup.procs"))" }.joined(separator: " && ")
    }

    private func file(_ controller: String, _ name: String) -> String {
        "\(others.first { $0.contains("/\(controller)/") } ?? path)/\(name)"
    }

    @discardableResult
    func setPids(_ max: Int) -> Bool { MemoryLimiter.write(String(max), to: file("pids", "pids.max")) }

    /// Holds the instance to `cores` of CPU time per 100 ms period.
    @discardableResult
    func setCPU(cores: Double) -> Bool {
        let period = 100_000
        let quota = max(1000, Int(cores * Double(period)))
        if version == 2 { return MemoryLimiter.write("\(quota) \(period)", to: "\(path)/cpu.max") }
        return MemoryLimiter.write(String(quota), to: file("cpu", "cpu.cfs_quota_us"))
    }

    /// Sets the memory limit (and, on v1, the memory+swap limit: no swapping past it).
    func setLimit(megabytes: Int) -> Bool {
        let bytes = String(megabytes * 1024 * 1024)
        if version == 2 { return MemoryLimiter.write(bytes, to: "\(path)/memory.max") }
        // memsw must stay ≥ the memory limit at every step, so the order depends on the direction.
        let raised = MemoryLimiter.write(bytes, to: "\(path)/memory.memsw.limit_in_bytes")
        let ok = MemoryLimiter.write(bytes, to: "\(path)/memory.limit_in_bytes")
        if !raised { _ = MemoryLimiter.write(bytes, to: "\(path)/memory.memsw.limit_in_bytes") }
        return ok
    }

    /// The highest memory use seen, in MB.
    func peakMB() -> Int? {
        guard peakFD >= 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(peakFD, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        var bytes = 0
        for byte in buffer[0..<count] where byte >= 0x30 && byte <= 0x39 { bytes = bytes * 10 + Int(byte - 0x30) }
        return (bytes + (1 << 20) - 1) >> 20
    }

    /// Whether the kernel killed something here for exceeding the limit.
    func oomKilled() -> Bool {
        let file = version == 2 ? "memory.events" : "memory.oom_control"
        guard let text = try? String(contentsOfFile: "\(path)/\(file)", encoding: .utf8) else { return false }
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, parts[0] == "oom_kill", let n = Int(parts[1]), n > 0 { return true }
        }
        if version == 1, let fail = try? String(contentsOfFile: "\(path)/memory.failcnt", encoding: .utf8),
            let n = Int(fail.trimmingCharacters(in: .whitespacesAndNewlines)), n > 0
        {
            return true
        }
        return false
    }

    func killAll() {
        if version == 2, MemoryLimiter.write("1", to: "\(path)/cgroup.kill") { return }
        guard let text = try? String(contentsOfFile: procsFile, encoding: .utf8) else { return }
        for pid in text.split(separator: "\n").compactMap({ Int32($0) }) { kill(pid, SIGKILL) }
    }

    /// Removes the cgroup once its processes are gone (retrying briefly: the kernel reaps async).
    func remove() async {
        for _ in 0..<50 {
            if removeNow() { return }
            killAll()
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// True when every one of the instance's cgroups is gone.
    @discardableResult
    func removeNow() -> Bool {
        var done = true
        for directory in others + [path] where rmdir(directory) != 0 && errno != ENOENT { done = false }
        return done
    }
}
