import Foundation
import GustCore
import GustRuntime
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// One function process and the Runtime API conversation with it. It owns the process, its
/// per-instance Runtime API listener, its log pipes and its cgroup; `RuntimeAPIStateMachine`
/// decides. State sits behind one lock rather than in an actor: the listener's NIO handler calls in
/// synchronously from its event loop, so a warm invocation costs no hop between executors.
final class ProcessInstance: FunctionInstance, Sendable {
    let id: String
    let spec: InstanceSpec
    let configuration: ProcessRuntime.Configuration
    let logger: Logger
    /// Where the Runtime API connection lives: the loop of the request that started the instance,
    /// when it came from one (`LoopThreads`).
    private let eventLoop: any EventLoop
    let thread: UInt?
    private let state = Mutex(State())
    private let startedAt = ContinuousClock.now

    private struct State {
        var machine = RuntimeAPIStateMachine()
        var poller: EventLoopPromise<RuntimeEvent?>?
        var inflight: Inflight?
        var process: ProcessHandle?
        var listener: RuntimeAPIListener?
        var network: InstanceNetwork?
        var logs: LogCollector?
        var readSources: PipeSources?
        var launchScript: String?
        /// Kept so that its exit notification (forwarded to `processExited`) stays connected.
        var spare: SpareProcess?
        var cgroup: MemoryCgroup?
        var initDurationMs: Double?
        var initReported = false
        /// The pids limit's refusals already reported.
        var pidsHitsReported = 0
        var stopped = false
    }

    private struct Inflight {
        var context: InvocationContext
        var completion: @Sendable (InstanceResult) -> Void
        var timer: Scheduled<Void>?
    }

    init(spec: InstanceSpec, configuration: ProcessRuntime.Configuration, eventLoop: any EventLoop, thread: UInt?, logger: Logger) {
        self.id = spec.instanceID
        self.spec = spec
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "instance"] = "\(spec.instanceID)"
        self.logger = logger
        self.eventLoop = eventLoop
        self.thread = thread
    }

    // MARK: Start and stop

    func launch(command: [String], taskRoot: String, family: RuntimeFamily) async throws(GustError) {
        let launchStart = ContinuousClock.now
        let function = spec.function
        var network: InstanceNetwork?
        if let pool = configuration.networks, configuration.sandbox.isolatesNetwork(function) {
            network = try await InstanceNetwork.make(
                policy: function.networkPolicy, pool: pool, endpoint: configuration.endpoint, eventLoop: eventLoop)
            state.withLock { $0.network = network }
        }
        let listener: RuntimeAPIListener
        do {
            listener = try await RuntimeAPIListener.start(instance: self, eventLoop: eventLoop, socket: network?.namespace.takeRuntimeSocket())
        } catch {
            await network?.close()
            throw .internalError("cannot start the Runtime API listener: \(error)")
        }
        // A shell parked inside the namespace is already there: no `nsenter` on this path.
        let parked = network?.namespace.takeShell()
        let networkPath = parked == nil ? network?.namespace.path : nil
        if let spare = parked ?? configuration.spares?.take() {
            if spare.cgroup.setLimit(megabytes: function.memoryMB),
                spare.assign(onExit: { [weak self] status, signaled in self?.processExited(status: status, signaled: signaled) })
            {
                do {
                    try launch(on: spare, command: command, listener: listener, taskRoot: taskRoot, network: networkPath)
                } catch {
                    await listener.close()
                    await network?.close()
                    throw error
                }
                logger.debug("spawned", metadata: ["after_ms": "\(Self.milliseconds(since: launchStart))", "spare": parked == nil ? "yes" : "in its namespace"])
                return
            }
            spare.kill()
            Task { await spare.cgroup.remove() }
        }
        let cgroup = configuration.memoryLimiter.makeCgroup(instanceID: id, limitMB: function.memoryMB)
        let sandboxed = configuration.sandbox.launch(
            command, codeDirectory: spec.codeDirectory, function: function,
            pidsLimited: cgroup != nil && configuration.memoryLimiter.limitsPids, network: network?.namespace.path)
        let argv = configuration.memoryLimiter.wrap(
            sandboxed, cgroup: cgroup, limitMB: function.memoryMB, rlimitAllowed: family != .node)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: argv[0])
        process.arguments = Array(argv.dropFirst())
        process.currentDirectoryURL = URL(fileURLWithPath: spec.codeDirectory)
        process.environment = environment(runtimeAPI: "127.0.0.1:\(listener.port)", taskRoot: taskRoot)
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        process.terminationHandler = { [weak self] process in
            self?.processExited(status: process.terminationStatus, signaled: process.terminationReason == .uncaughtSignal)
        }
        let handles = [stdout.fileHandleForReading, stderr.fileHandleForReading]
        let fds = handles.map(\.fileDescriptor)
        let logs = LogCollector(fds: fds)
        state.withLock { state in
            state.listener = listener
            state.cgroup = cgroup
            state.logs = logs
        }
        do {
            try process.run()
        } catch {
            await listener.close()
            await network?.close()
            await cgroup?.remove()
            throw .internalError("cannot start \(argv[0]): \(error)")
        }
        logger.debug("spawned", metadata: ["after_ms": "\(Self.milliseconds(since: launchStart))"])
        let sources = Self.readSources(fds: fds, handles: handles, logs: logs)
        let handle = ProcessHandle(process)
        state.withLock { state in
            state.process = handle
            state.readSources = PipeSources(sources)
        }
    }

    /// Starts the instance on a spare shell that already sits in its cgroup.
    private func launch(
        on spare: SpareProcess, command: [String], listener: RuntimeAPIListener, taskRoot: String, network: String?
    ) throws(GustError) {
        let script = SpareProcess.script(
            launch: configuration.sandbox.launch(
                command, codeDirectory: spec.codeDirectory, function: spec.function,
                pidsLimited: configuration.memoryLimiter.limitsPids, network: network),
            environment: environment(runtimeAPI: "127.0.0.1:\(listener.port)", taskRoot: taskRoot),
            directory: spec.codeDirectory)
        let scriptPath = "\(configuration.launchDirectory)/\(id).sh"
        guard FileManager.default.createFile(atPath: scriptPath, contents: Data(script.utf8), attributes: [.posixPermissions: 0o600]) else {
            spare.kill()
            Task { await spare.cgroup.remove() }
            throw .internalError("cannot write the launch script \(scriptPath)")
        }
        let handles = [spare.stdout, spare.stderr]
        let fds = handles.map(\.fileDescriptor)
        let logs = LogCollector(fds: fds)
        let sources = Self.readSources(fds: fds, handles: handles, logs: logs)
        state.withLock { state in
            state.listener = listener
            state.cgroup = spare.cgroup
            state.logs = logs
            state.process = spare.processHandle
            state.readSources = PipeSources(sources)
            state.launchScript = scriptPath
            state.spare = spare
        }
        spare.launch(script: scriptPath)
    }

    private static func readSources(fds: [Int32], handles: [FileHandle], logs: LogCollector) -> [any DispatchSourceRead] {
        zip(fds, handles).map { fd, handle in
            let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: .global())
            source.setEventHandler {
                if !logs.drain(fd) { source.cancel() }
            }
            // Keeps the FileHandle (and so the descriptor) alive until the source is done with it.
            source.setCancelHandler { _ = handle }
            source.resume()
            return source
        }
    }

    private func environment(runtimeAPI: String, taskRoot: String) -> [String: String] {
        let function = spec.function
        // In a network of its own the instance finds Gust's endpoint on its loopback, at the API
        // port's number (`NetworkNamespace`). With policy `none` nothing listens there: the SDK's
        // calls are refused at once rather than sent to AWS with the function's key.
        var ownNetwork: String?
        if configuration.networks != nil, configuration.sandbox.isolatesNetwork(function), let port = configuration.endpoint.port {
            ownNetwork = ServiceEnvironment.endpointURL(host: "127.0.0.1", port: port)
        }
        // Where the sandbox shows Gust's hosts file, the endpoint is a name, so that S3 clients
        // may address buckets as `BUCKET.gust.internal` (`SandboxHosts`).
        if configuration.sandbox.profile.hostsFile != nil, let url = ownNetwork ?? spec.services.endpoint {
            ownNetwork = SandboxHosts.named(url)
        }
        var env = spec.services.applied(to: function.environment, endpoint: ownNetwork)
        let pythonDir = configuration.interpreters.python.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path }
        let path = ([pythonDir].compactMap { $0 } + ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"])
            .joined(separator: ":")
        let fixed: [String: String] = [
            "AWS_LAMBDA_RUNTIME_API": runtimeAPI,
            "_HANDLER": function.handler,
            "LAMBDA_TASK_ROOT": taskRoot,
            "LAMBDA_RUNTIME_DIR": configuration.sandbox.bootstrapDirectory,
            "AWS_LAMBDA_FUNCTION_NAME": function.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": String(function.memoryMB),
            "AWS_LAMBDA_FUNCTION_VERSION": function.version,
            "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/\(function.name)",
            "AWS_LAMBDA_LOG_STREAM_NAME": "gust/\(id)",
            "AWS_EXECUTION_ENV": "AWS_Lambda_\(function.runtime)",
            "AWS_REGION": FunctionName.region,
            "AWS_DEFAULT_REGION": FunctionName.region,
            "TZ": "UTC",
            "LANG": "C.UTF-8",
            "HOME": "/tmp",
            "PATH": path,
        ]
        env.merge(fixed) { _, gust in gust }
        return env
    }

    func stop() async {
        let taken = state.withLock { state -> (EventLoopPromise<RuntimeEvent?>?, Inflight?, RuntimeAPIListener?, MemoryCgroup?, InstanceNetwork?)? in
            guard !state.stopped else { return nil }
            state.stopped = true
            defer {
                state.poller = nil
                state.inflight = nil
                state.listener = nil
                state.network = nil
            }
            return (state.poller, state.inflight, state.listener, state.cgroup, state.network)
        }
        guard let (poller, inflight, listener, cgroup, network) = taken else { return }
        if let script = state.withLock({ $0.launchScript }) { try? FileManager.default.removeItem(atPath: script) }
        terminateProcess()
        poller?.succeed(nil)
        if let inflight {
            inflight.timer?.cancel()
            inflight.completion(.failure(.interrupted, type: "Runtime.Interrupted", message: "The instance was stopped"))
        }
        await listener?.close()
        await network?.close()
        await cgroup?.remove()
    }

    private func terminateProcess() {
        let (pid, cgroup) = state.withLock { state in
            (state.process?.runningPID ?? 0, state.cgroup)
        }
        if pid > 0 { kill(pid, SIGKILL) }
        cgroup?.killAll()
    }

    // MARK: Invocations

    /// The scheduler's warm path calls this on the caller's event loop, and the answer comes back
    /// on the instance's (by thread affinity, the same one).
    func invoke(_ invocation: InvocationContext, completion: @escaping @Sendable (InstanceResult) -> Void) {
        var deliver: EventLoopPromise<RuntimeEvent?>?
        let accepted = state.withLock { state -> Bool in
            guard !state.stopped else { return false }
            switch state.machine.invokeRequested(requestID: invocation.requestID) {
            case .reject:
                return false
            case .deliverToParkedPoller:
                deliver = state.poller
                state.poller = nil
                state.inflight = Inflight(
                    context: invocation, completion: completion,
                    timer: timer(invocation, seconds: invocation.timeoutSeconds))
            case .holdUntilPolled:
                // Until the runtime polls, the allowance includes its init time.
                state.inflight = Inflight(
                    context: invocation, completion: completion,
                    timer: timer(invocation, seconds: invocation.timeoutSeconds + configuration.initTimeoutSeconds))
            }
            return true
        }
        guard accepted else { return completion(.notAvailable(requestID: invocation.requestID)) }
        deliver?.succeed(RuntimeEvent(invocation))
    }

    private func timer(_ invocation: InvocationContext, seconds: Int) -> Scheduled<Void> {
        let requestID = invocation.requestID
        return eventLoop.scheduleTask(in: .seconds(Int64(seconds))) { [weak self] in
            self?.deadlinePassed(requestID: requestID)
        }
    }

    private func deadlinePassed(requestID: String) {
        let inflight = state.withLock { state -> Inflight? in
            guard state.machine.deadlinePassed(requestID: requestID), state.inflight?.context.requestID == requestID else {
                return nil
            }
            defer { state.inflight = nil }
            return state.inflight
        }
        guard let inflight else { return }
        terminateProcess()
        var result = InstanceResult(
            outcome: .timeout,
            payload: FunctionErrorDocument.timeout(requestID: requestID, seconds: inflight.context.timeoutSeconds),
            errorType: "Sandbox.Timedout")
        finish(&result)
        inflight.completion(result)
    }

    /// Attaches logs, init time and memory to a result.
    private func finish(_ result: inout InstanceResult, flushPartial: Bool = false) {
        let (logs, cgroup, initMs) = state.withLock { state -> (LogCollector?, MemoryCgroup?, Double?) in
            var initMs: Double?
            if !state.initReported, let measured = state.initDurationMs {
                state.initReported = true
                initMs = measured
            }
            return (state.logs, state.cgroup, initMs)
        }
        logs?.drainAll()
        result.logLines = logs?.take(flushPartial: flushPartial) ?? []
        result.initDurationMs = initMs
        result.maxMemoryUsedMB = cgroup?.peakMB()
        if let hits = cgroup?.pidsLimitHits() {
            let new = state.withLock { state -> Int in
                defer { state.pidsHitsReported = hits }
                return hits - state.pidsHitsReported
            }
            if new > 0 {
                result.logLines.append(
                    "[gust] process limit reached: \(new) process or thread creations refused (limit \(configuration.memoryLimiter.maxPids) per instance)")
            }
        }
    }

    private static func milliseconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
    }

    // MARK: Runtime API events (called by the listener's handler on its event loop)

    /// The runtime polls for its next event: answered now, or parked until an invocation arrives.
    func next(_ promise: EventLoopPromise<RuntimeEvent?>) {
        var answer: RuntimeEvent??
        var displaced: EventLoopPromise<RuntimeEvent?>?
        state.withLock { state in
            let action = state.machine.nextRequested()
            switch action {
            case .reject:
                answer = .some(nil)
                return
            case .deliver(_, let firstPoll), .park(let firstPoll):
                if firstPoll {
                    // The shell has sourced the launch script by now; the environment values in it
                    // should not outlive that on disk.
                    if let script = state.launchScript { unlink(script) }
                    state.initDurationMs = Self.milliseconds(since: startedAt)
                    // Init ran unthrottled (as on Lambda); from now on the instance has its share.
                    if configuration.memoryLimiter.limitsCPU {
                        state.cgroup?.setCPU(cores: configuration.memoryLimiter.cpu.cores(memoryMB: spec.function.memoryMB))
                    }
                    logger.debug("first poll", metadata: ["after_ms": "\(state.initDurationMs ?? 0)"])
                }
            }
            if case .deliver(let requestID, _) = action, var inflight = state.inflight, inflight.context.requestID == requestID {
                inflight.timer?.cancel()
                inflight.timer = timer(inflight.context, seconds: inflight.context.timeoutSeconds)
                state.inflight = inflight
                answer = .some(RuntimeEvent(inflight.context))
            } else {
                displaced = state.poller
                state.poller = promise
            }
        }
        displaced?.succeed(nil)
        if let answer { promise.succeed(answer) }
    }

    /// The runtime posted a result. Returns false for an unknown request id.
    func complete(requestID: String, payload: [UInt8], errorType: String?, isError: Bool) -> Bool {
        let inflight = state.withLock { state -> Inflight? in
            guard case .complete = state.machine.resultPosted(requestID: requestID) else { return nil }
            defer { state.inflight = nil }
            return state.inflight
        }
        guard let inflight else { return false }
        inflight.timer?.cancel()
        var result: InstanceResult
        if isError {
            let type = errorType ?? FunctionErrorDocument.errorType(in: payload) ?? "Unhandled"
            result = InstanceResult(outcome: .functionError, payload: payload, errorType: type)
        } else {
            result = InstanceResult(outcome: .success, payload: payload)
        }
        finish(&result)
        inflight.completion(result)
        return true
    }

    func initFailed(payload: [UInt8], errorType: String?) {
        let inflight = state.withLock { state -> Inflight? in
            _ = state.machine.initErrorPosted()
            if state.initDurationMs == nil { state.initDurationMs = Self.milliseconds(since: startedAt) }
            defer { state.inflight = nil }
            return state.inflight
        }
        terminateProcess()
        guard let inflight else { return }
        inflight.timer?.cancel()
        let type = errorType ?? FunctionErrorDocument.errorType(in: payload) ?? "Runtime.InitError"
        var result = InstanceResult(outcome: .initError, payload: payload, errorType: type)
        finish(&result, flushPartial: true)
        inflight.completion(result)
    }

    /// Called on Foundation's process-monitoring thread.
    private func processExited(status: Int32, signaled: Bool) {
        let (poller, inflight, cgroup) = state.withLock { state in
            _ = state.machine.processExited()
            defer {
                state.poller = nil
                state.inflight = nil
            }
            return (state.poller, state.inflight, state.cgroup)
        }
        poller?.succeed(nil)
        guard let inflight else { return }
        inflight.timer?.cancel()
        let requestID = inflight.context.requestID
        // Under bubblewrap (or the cgroup's shell wrapper) a child killed by signal N shows as exit 128+N.
        var signaled = signaled
        var status = status
        if !signaled, status > 128, status < 160, configuration.sandbox.mode != .none || cgroup != nil {
            signaled = true
            status -= 128
        }
        var result: InstanceResult
        if signaled && status == SIGKILL && (cgroup?.oomKilled() ?? false) {
            result = .failure(
                .outOfMemory, type: "Runtime.OutOfMemory",
                message: "RequestId: \(requestID) Error: Runtime exited with error: signal: killed (memory limit \(spec.function.memoryMB) MB exceeded)")
        } else {
            let how = signaled ? "signal: \(Self.signalName(status))" : "exit status \(status)"
            result = .failure(.crashed, type: "Runtime.ExitError", message: "RequestId: \(requestID) Error: Runtime exited with error: \(how)")
        }
        // Give the pipes a moment: the kernel may still hold the dying process's last output.
        usleep(5000)
        finish(&result, flushPartial: true)
        inflight.completion(result)
    }

    static func signalName(_ signal: Int32) -> String {
        switch signal {
        case SIGKILL: "killed"
        case SIGSEGV: "segmentation fault"
        case SIGABRT: "aborted"
        case SIGTERM: "terminated"
        default: "\(signal)"
        }
    }
}

/// An event handed to the runtime in answer to `next`.
struct RuntimeEvent: Sendable {
    var requestID: String
    var payload: [UInt8]
    var deadlineMs: Int64
    var functionARN: String
    var clientContext: String?

    init(_ context: InvocationContext) {
        requestID = context.requestID
        payload = context.payload
        deadlineMs = Int64((Date().timeIntervalSince1970 + Double(context.timeoutSeconds)) * 1000)
        functionARN = context.invokedFunctionARN
        clientContext = context.clientContext
    }
}

/// Keeps the `Process` alive for its termination handler and answers whether it still runs.
/// `Process` is not `Sendable`, but these two reads are thread-safe in Foundation.
final class ProcessHandle: @unchecked Sendable {
    private let process: Process

    init(_ process: Process) { self.process = process }

    var runningPID: Int32 { process.isRunning ? process.processIdentifier : 0 }
}

/// Holds the pipes' dispatch sources for the instance's lifetime. Dispatch sources are thread-safe
/// objects, though not marked `Sendable`.
final class PipeSources: @unchecked Sendable {
    let sources: [any DispatchSourceRead]

    init(_ sources: [any DispatchSourceRead]) { self.sources = sources }
}
