import Foundation
import Synchronization

/// A shell already inside a fresh memory cgroup, parked until an instance needs it.
///
/// Joining a cgroup (writing `cgroup.procs`) makes the kernel wait for an RCU grace period, which
/// on a quiet host costs 8–15 ms — more than bubblewrap and the process start together. A spare
/// pays that ahead of time: when an instance starts, Gust sets the spare's memory limit, hands it a
/// launch script, and the shell `exec`s into the sandbox. The spare has an empty environment, so
/// nothing of Gust's own environment reaches a function.
final class SpareProcess: Sendable {
    let cgroup: MemoryCgroup
    let stdout: FileHandle
    let stderr: FileHandle
    private let stdin: FileHandle
    private let handle: ProcessHandle
    private let exit = Mutex<Exit>(Exit())

    private struct Exit {
        var status: (Int32, Bool)?
        var handler: (@Sendable (Int32, Bool) -> Void)?
    }

    private init(cgroup: MemoryCgroup, process: Process, stdin: FileHandle, stdout: FileHandle, stderr: FileHandle) {
        self.cgroup = cgroup
        self.handle = ProcessHandle(process)
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
    }

    /// Starts a spare in a new cgroup without a limit; nil when that cannot be done.
    /// `enter`: a command prefix that puts the shell somewhere first (`nsenter --net=…`: a network
    /// namespace, whose entry costs an RCU grace period that a cold start should not pay).
    static func spawn(limiter: MemoryLimiter, name: String, enter: [String] = []) -> SpareProcess? {
        guard let cgroup = limiter.makeCgroup(instanceID: name, limitMB: nil) else { return nil }
        let process = Process()
        // Join the cgroup, say so, then wait for the path of the launch script and source it.
        let shell = ["/bin/sh", "-c", "\(cgroup.joinCommand) && echo ready && read -r script && . \"$script\""]
        let argv = enter + shell
        process.executableURL = URL(fileURLWithPath: argv[0])
        process.arguments = Array(argv.dropFirst())
        process.environment = [:]
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        let spare = SpareProcess(
            cgroup: cgroup, process: process, stdin: input.fileHandleForWriting, stdout: output.fileHandleForReading,
            stderr: errors.fileHandleForReading)
        process.terminationHandler = { [weak spare] process in
            spare?.exited(status: process.terminationStatus, signaled: process.terminationReason == .uncaughtSignal)
        }
        do { try process.run() } catch {
            Task { await cgroup.remove() }
            return nil
        }
        return spare
    }

    /// Blocks until the shell is inside its cgroup; false if it died first. Call off the
    /// cooperative thread pool.
    func waitUntilReady() -> Bool {
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while line.count < 16 {
            let count = read(stdout.fileDescriptor, &byte, 1)
            if count <= 0 { return false }
            if byte == UInt8(ascii: "\n") { return line == Array("ready".utf8) }
            line.append(byte)
        }
        return false
    }

    /// Hands over the spare: `onExit` learns of the process's end from now on. Returns false when
    /// the spare already died (the caller starts an instance the ordinary way).
    func assign(onExit: @escaping @Sendable (Int32, Bool) -> Void) -> Bool {
        exit.withLock { exit in
            guard exit.status == nil else { return false }
            exit.handler = onExit
            return true
        }
    }

    /// Tells the shell which script to source; the script `exec`s the instance's command.
    func launch(script: String) {
        // The shell may have died meanwhile: its exit handler fails the invocation; a failed write
        // must not trap (SIGPIPE is ignored by the server).
        try? stdin.write(contentsOf: Data((script + "\n").utf8))
        try? stdin.close()
    }

    var processHandle: ProcessHandle { handle }

    func kill() {
        let pid = handle.runningPID
        if pid > 0 { Foundation.kill(pid, SIGKILL) }
        cgroup.killAll()
    }

    private func exited(status: Int32, signaled: Bool) {
        let handler = exit.withLock { exit -> (@Sendable (Int32, Bool) -> Void)? in
            exit.status = (status, signaled)
            return exit.handler
        }
        handler?(status, signaled)
    }

    /// A POSIX shell word for `value`.
    static func quote(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// The script a spare sources: the instance's environment, its directory, the sandbox's setup
    /// (limits, the seccomp filter's descriptor), then `exec`.
    static func script(launch: Sandbox.Launch, environment: [String: String], directory: String) -> String {
        var lines: [String] = []
        for (key, value) in environment.sorted(by: { $0.key < $1.key }) {
            lines.append("export \(key)=\(quote(value))")
        }
        lines.append("cd \(quote(directory)) || exit 126")
        lines += launch.setup.map { "\($0) || exit 126" }
        lines.append("exec " + launch.argv.map(quote).joined(separator: " ") + " </dev/null")
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Keeps a few spares ready and refills them in the background after each use, so that a burst of
/// cold starts (a pool scaling out) finds spares too.
final class SparePool: Sendable {
    private let limiter: MemoryLimiter
    private let capacity: Int
    private let state = Mutex<State>(State())

    private struct State {
        var ready: [SpareProcess] = []
        var filling = 0
        var counter = 0
        var closed = false
    }

    init(limiter: MemoryLimiter, capacity: Int = 2) {
        self.limiter = limiter
        self.capacity = capacity
    }

    /// A ready spare, if any; starts preparing replacements either way.
    func take() -> SpareProcess? {
        let spare = state.withLock { state in state.ready.popLast() }
        // Later, not now: a replacement joins its cgroups, and every join (one per v1 hierarchy)
        // holds the kernel's cgroup_threadgroup_rwsem across an RCU grace period, which stalls
        // every fork on the host, the cold start that took this spare included. Without a ready
        // spare, refill now: the caller pays for the joins anyway.
        if spare == nil {
            refill()
        } else {
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(250)) { [weak self] in self?.refill() }
        }
        return spare
    }

    func refill() {
        let names: [String] = state.withLock { state in
            guard !state.closed else { return [] }
            var names: [String] = []
            while state.ready.count + state.filling < capacity {
                state.filling += 1
                state.counter += 1
                names.append("spare-\(state.counter)")
            }
            return names
        }
        for name in names { fill(name) }
    }

    private func fill(_ name: String) {
        let limiter = self.limiter
        DispatchQueue.global().async { [weak self] in
            let spare = SpareProcess.spawn(limiter: limiter, name: name)
            let ready = spare?.waitUntilReady() ?? false
            let keep = self?.state.withLock { state -> Bool in
                state.filling -= 1
                guard ready, !state.closed, let spare else { return false }
                state.ready.append(spare)
                return true
            } ?? false
            if !keep, let spare {
                spare.kill()
                Task { await spare.cgroup.remove() }
            }
        }
    }

    func close() async {
        let spares = state.withLock { state in
            state.closed = true
            defer { state.ready = [] }
            return state.ready
        }
        for spare in spares {
            spare.kill()
            await spare.cgroup.remove()
        }
    }
}
