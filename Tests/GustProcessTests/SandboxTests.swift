import Testing

@testable import GustProcess

@Suite struct SandboxTests {
    @Test func noSandboxRunsTheCommandAsIs() {
        let sandbox = Sandbox(mode: .none, dataDirectory: "/data", bootstrapDirectory: "/data/runtime/bootstraps")
        #expect(sandbox.wrap(["python3", "x.py"], codeDirectory: "/data/code/abc") == ["python3", "x.py"])
        #expect(sandbox.taskRoot(codeDirectory: "/data/code/abc") == "/data/code/abc")
    }

    @Test func bubblewrapHidesTheDataDirectoryAndMountsCodeReadOnly() {
        let sandbox = Sandbox(mode: .bubblewrap(path: "/usr/bin/bwrap"), dataDirectory: "/data", bootstrapDirectory: "/data/runtime/bootstraps")
        let argv = sandbox.wrap(["/var/task/bootstrap"], codeDirectory: "/data/code/abc")
        #expect(argv.first == "/usr/bin/bwrap")
        #expect(argv.suffix(2) == ["--", "/var/task/bootstrap"])
        let joined = argv.joined(separator: " ")
        #expect(joined.contains("--ro-bind / /"))
        #expect(joined.contains("--tmpfs /data --ro-bind /data/runtime/bootstraps /data/runtime/bootstraps"))
        #expect(joined.contains("--ro-bind /data/code/abc /var/task"))
        #expect(joined.contains("--tmpfs /tmp"))
        #expect(joined.contains("--die-with-parent"))
        #expect(sandbox.taskRoot(codeDirectory: "/data/code/abc") == "/var/task")
    }

    @Test func memoryWrapperEntersTheCgroupBeforeExec() {
        let limiter = MemoryLimiter(mechanism: .rlimit)
        let wrapped = limiter.wrap(["node", "b.js"], cgroup: nil, limitMB: 128, rlimitAllowed: false)
        #expect(wrapped == ["node", "b.js"])
        let limited = limiter.wrap(["python3"], cgroup: nil, limitMB: 128, rlimitAllowed: true)
        #expect(limited.prefix(2) == ["/bin/sh", "-c"])
        #expect(limited.contains(String((128 + 256) * 1024)))
        #expect(limited.last == "python3")
    }

    @Test func interpretersUnderTmpStayVisible() {
        let sandbox = Sandbox(
            mode: .bubblewrap(path: "/usr/bin/bwrap"), dataDirectory: "/data", bootstrapDirectory: "/data/b",
            interpreters: ["/tmp/tools/py/bin/python3", "/usr/bin/node"])
        let joined = sandbox.wrap(["x"], codeDirectory: "/data/code/1").joined(separator: " ")
        #expect(joined.contains("--tmpfs /tmp --ro-bind /tmp/tools/py /tmp/tools/py"))
        #expect(!joined.contains("/usr/bin/node"))
    }
}
