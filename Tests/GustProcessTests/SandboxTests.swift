import Foundation
import GustCore
import Testing

@testable import GustProcess

@Suite struct SandboxTests {
    let function = FunctionConfiguration(
        name: "f", runtime: "python3.12", handler: "app.handler", ephemeralStorageMB: 1024, codeSha256: "", codeID: "",
        codeSize: 0)

    @Test func noSandboxRunsTheCommandAsIs() {
        let sandbox = Sandbox(mode: .none, dataDirectory: "/data", bootstrapDirectory: "/data/runtime/bootstraps")
        let launch = sandbox.launch(["python3", "x.py"], codeDirectory: "/data/code/abc", function: function, pidsLimited: false)
        #expect(launch == Sandbox.Launch(setup: [], argv: ["python3", "x.py"]))
        #expect(sandbox.taskRoot(codeDirectory: "/data/code/abc") == "/data/code/abc")
    }

    @Test func hardenedShowsOnlyWhatTheRuntimeNeeds() throws {
        let directory = NSTemporaryDirectory() + "gust-sandbox-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let users = try SandboxUsers(directory: directory)
        let profile = Sandbox.Profile(
            setpriv: "/usr/bin/setpriv", users: users, seccompFilter: "/data/sandbox/seccomp.bpf", readOnly: ["/opt/py"])
        let sandbox = Sandbox(
            mode: .bubblewrap(path: "/usr/bin/bwrap"), dataDirectory: "/data", bootstrapDirectory: "/data/runtime/bootstraps",
            profile: profile)
        let launch = sandbox.launch(["/var/task/bootstrap"], codeDirectory: "/data/code/abc", function: function, pidsLimited: true)
        let argv = launch.argv
        let joined = argv.joined(separator: " ")
        let uid = users.uid(for: "f")
        #expect(argv.first == "/usr/bin/bwrap")
        #expect(argv.last == "/var/task/bootstrap")
        #expect(!joined.contains("--ro-bind / /"))
        #expect(joined.contains("--ro-bind /usr /usr"))
        #expect(joined.contains("--perms 0755 --dir /opt --ro-bind /opt/py /opt/py"))
        #expect(joined.contains("--ro-bind /data/runtime/bootstraps /data/runtime/bootstraps"))
        #expect(joined.contains("--ro-bind /data/code/abc /var/task"))
        #expect(joined.contains("--perms 01777 --size \(1024 * 1024 * 1024) --tmpfs /tmp"))
        #expect(joined.contains("--cap-drop ALL"))
        #expect(joined.contains("--seccomp 8"))
        #expect(joined.contains("--unshare-pid"))
        #expect(joined.contains("-- /usr/bin/setpriv --reuid=\(uid) --regid=\(uid) --clear-groups --inh-caps=-all --bounding-set=-all --no-new-privs --"))
        #expect(joined.contains("\(directory)/etc/\(uid)/passwd /etc/passwd"))
        #expect(!joined.contains("/etc/shadow"))
        #expect(launch.setup.contains("exec 8<'/data/sandbox/seccomp.bpf'"))
        #expect(launch.setup.contains("ulimit -n 1024"))
        #expect(launch.setup.contains("export PWD=/var/task"))
        // A pids cgroup holds the processes: no per-uid limit needed.
        #expect(!launch.setup.contains { $0.hasPrefix("ulimit -p") })
        let passwd = try String(contentsOfFile: "\(directory)/etc/\(uid)/passwd", encoding: .utf8)
        #expect(passwd.contains(":\(uid):\(uid):"))
    }

    @Test func withoutRootTheInstanceGetsAUserNamespace() {
        let profile = Sandbox.Profile(setpriv: nil, users: nil, seccompFilter: nil, readOnly: [])
        let sandbox = Sandbox(mode: .bubblewrap(path: "/usr/bin/bwrap"), dataDirectory: "/d", bootstrapDirectory: "/d/b", profile: profile)
        let launch = sandbox.launch(["x"], codeDirectory: "/d/c", function: function, pidsLimited: false)
        #expect(launch.argv.contains("--unshare-user"))
        #expect(launch.argv.contains("--disable-userns"))
        #expect(!launch.argv.contains("--cap-add"))
        #expect(!launch.setup.contains { $0.hasPrefix("ulimit -p") })
    }

    @Test func functionsGetDistinctStableUids() throws {
        let directory = NSTemporaryDirectory() + "gust-uids-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let users = try SandboxUsers(directory: directory, range: 1000..<1003)
        let a = users.uid(for: "a")
        let b = users.uid(for: "b")
        let c = users.uid(for: "c")
        #expect(Set([a, b, c]).count == 3)
        #expect(users.uid(for: "a") == a)
        // Kept across restarts.
        #expect(try SandboxUsers(directory: directory, range: 1000..<1003).uid(for: "b") == b)
    }

    @Test func memoryWrapperRunsTheSetupBeforeExec() {
        let limiter = MemoryLimiter(mechanism: .rlimit)
        let plain = Sandbox.Launch(setup: [], argv: ["node", "b.js"])
        #expect(limiter.wrap(plain, cgroup: nil, limitMB: 128, rlimitAllowed: false) == ["node", "b.js"])
        let limited = limiter.wrap(
            Sandbox.Launch(setup: ["ulimit -n 1024"], argv: ["python3"]), cgroup: nil, limitMB: 128, rlimitAllowed: true)
        #expect(limited.prefix(2) == ["/bin/sh", "-c"])
        #expect(limited[2] == "ulimit -v \((128 + 256) * 1024) && ulimit -n 1024 && exec \"$@\"")
        #expect(limited.last == "python3")
    }

    @Test func interpreterPrefixesOutsideUsrAreShown() {
        #expect(Sandbox.interpreterPrefixes(["/tmp/tools/py/bin/python3", "/usr/bin/node"]) == ["/tmp/tools/py"])
    }

    @Test func cpuFollowsMemoryAboveTheFloor() {
        #expect(CPUShare(floorCores: 1).cores(memoryMB: 128) == 1)
        #expect(CPUShare(floorCores: 1).cores(memoryMB: 3538) == 2)
        #expect(abs(CPUShare(floorCores: 0).cores(memoryMB: 1769) - 1) < 1e-9)
    }

    @Test func theSeccompFilterCompiles() throws {
        let path = NSTemporaryDirectory() + "gust-seccomp-\(UUID().uuidString)"
        defer { unlink(path) }
        try SeccompFilter.write(to: path)
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
        // Classic BPF instructions are 8 bytes; the deny list alone needs dozens.
        #expect(size % 8 == 0 && size / 8 > SeccompFilter.denied.count)
    }
}
