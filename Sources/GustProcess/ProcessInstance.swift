import Foundation
import GustCore
import GustRuntime
import Logging

/// One function process and the Runtime API conversation with it. The actor owns the process, its
/// per-instance Runtime API listener, its log pipes and its cgroup; `RuntimeAPIStateMachine` decides.
actor ProcessInstance: FunctionInstance {
    nonisolated let id: String
    let spec: InstanceSpec
    let configuration: ProcessRuntime.Configuration
    let logger: Logger

    private var machine = RuntimeAPIStateMachine()
    private var poller: CheckedContinuation<RuntimeEvent?, Never>?
    private var inflight: Inflight?
    private var process: Process?
    private var server: RuntimeAPIServer?
    private var logs: LogCollector?
    private var readSources: [any DispatchSourceRead] = []
    private var cgroup: MemoryCgroup?
    private let startedAt = ContinuousClock.now
    private var initDurationMs: Double?
    private var initReported = false
    private var killedForTimeout = false
    private var stopped = false

    struct Inflight {
        var context: InvocationContext
        var continuation: CheckedContinuation<InstanceResult, Never>
        var timer: Task<Void, Never>?
    }

    init(spec: InstanceSpec, configuration: ProcessRuntime.Configuration, logger: Logger) {
        self.id = spec.instanceID
        self.spec = spec
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "instance"] = "\(spec.instanceID)"
        self.logger = logger
    }

    // MARK: Start and stop

    func launch(command: [String], taskRoot: String, family: RuntimeFamily) async throws(GustError) {
        let launchStart = ContinuousClock.now
        let server = RuntimeAPIServer(instance: self, logger: logger)
        let port: Int
        do { port = try await server.start() } catch {
            throw .internalError("cannot start the Runtime API listener: \(error)")
        }
        self.server = server
        logger.debug("runtime API listening", metadata: ["after": "\(ContinuousClock.now - launchStart)"])

        let function = spec.function
        let cgroup = configuration.memoryLimiter.makeCgroup(instanceID: id, limitMB: function.memoryMB)
        self.cgroup = cgroup
        let sandboxed = configuration.sandbox.wrap(command, codeDirectory: spec.codeDirectory)
        let argv = configuration.memoryLimiter.wrap(
            sandboxed, cgroup: cgroup, limitMB: function.memoryMB, rlimitAllowed: family != .node)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: argv[0])
        process.arguments = Array(argv.dropFirst())
        process.currentDirectoryURL = URL(fileURLWithPath: spec.codeDirectory)
        process.environment = environment(runtimeAPI: "127.0.0.1:\(port)", taskRoot: taskRoot)
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        process.terminationHandler = { [weak self] process in
            let status = process.terminationStatus
            let signaled = process.terminationReason == .uncaughtSignal
            Task { await self?.processExited(status: status, signaled: signaled) }
        }
        let fds = [stdout.fileHandleForReading.fileDescriptor, stderr.fileHandleForReading.fileDescriptor]
        let logs = LogCollector(fds: fds)
        self.logs = logs
        do {
            try process.run()
        } catch {
            await server.stop()
            await cgroup?.remove()
            throw .internalError("cannot start \(argv[0]): \(error)")
        }
        self.process = process
        logger.debug("instance launched", metadata: ["listener_and_spawn": "\(ContinuousClock.now - launchStart)", "since_start": "\(ContinuousClock.now - startedAt)"])
        for (fd, handle) in zip(fds, [stdout.fileHandleForReading, stderr.fileHandleForReading]) {
            let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: .global())
            source.setEventHandler {
                if !logs.drain(fd) { source.cancel() }
            }
            // Keeps the FileHandle (and so the descriptor) alive until the source is done with it.
            source.setCancelHandler { _ = handle }
            source.resume()
            readSources.append(source)
        }
    }

    private func environment(runtimeAPI: String, taskRoot: String) -> [String: String] {
        let function = spec.function
        var env = function.environment
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
        guard !stopped else { return }
        stopped = true
        if let process, process.isRunning { kill(process.processIdentifier, SIGKILL) }
        cgroup?.killAll()
        if let poller {
            self.poller = nil
            poller.resume(returning: nil)
        }
        if let inflight {
            self.inflight = nil
            inflight.timer?.cancel()
            inflight.continuation.resume(
                returning: .failure(.interrupted, type: "Runtime.Interrupted", message: "The instance was stopped"))
        }
        await server?.stop()
        server = nil
        await cgroup?.remove()
    }

    // MARK: Invocations

    func invoke(_ invocation: InvocationContext) async -> InstanceResult {
        guard !stopped else {
            var refused = InstanceResult.failure(.crashed, type: "Runtime.ExitError", message: "RequestId: \(invocation.requestID) Error: the instance has stopped")
            refused.notStarted = true
            return refused
        }
        return await withCheckedContinuation { continuation in
            switch machine.invokeRequested(requestID: invocation.requestID) {
            case .reject:
                var refused = InstanceResult.failure(
                    .crashed, type: "Runtime.ExitError", message: "RequestId: \(invocation.requestID) Error: the instance is not available")
                refused.notStarted = true
                continuation.resume(returning: refused)
                return
            case .deliverToParkedPoller:
                inflight = Inflight(context: invocation, continuation: continuation, timer: nil)
                armTimer(invocation, allowance: Double(invocation.timeoutSeconds))
                deliver(invocation)
            case .holdUntilPolled:
                inflight = Inflight(context: invocation, continuation: continuation, timer: nil)
                // Until the runtime polls, the allowance includes its init time.
                armTimer(invocation, allowance: Double(invocation.timeoutSeconds + configuration.initTimeoutSeconds))
            }
        }
    }

    private func armTimer(_ invocation: InvocationContext, allowance: Double) {
        inflight?.timer?.cancel()
        let requestID = invocation.requestID
        inflight?.timer = Task { [weak self] in
            try? await Task.sleep(for: .seconds(allowance))
            guard !Task.isCancelled else { return }
            await self?.deadlinePassed(requestID: requestID)
        }
    }

    private func deliver(_ invocation: InvocationContext) {
        guard let poller else { return }
        self.poller = nil
        poller.resume(returning: RuntimeEvent(invocation))
    }

    private func deadlinePassed(requestID: String) async {
        guard machine.deadlinePassed(requestID: requestID), let inflight, inflight.context.requestID == requestID else { return }
        killedForTimeout = true
        self.inflight = nil
        terminateProcess()
        var result = InstanceResult(
            outcome: .timeout,
            payload: FunctionErrorDocument.timeout(requestID: requestID, seconds: inflight.context.timeoutSeconds),
            errorType: "Sandbox.Timedout")
        finish(&result)
        inflight.continuation.resume(returning: result)
    }

    private func terminateProcess() {
        if let process, process.isRunning { kill(process.processIdentifier, SIGKILL) }
        cgroup?.killAll()
    }

    /// Attaches logs, init time and memory to a result.
    private func finish(_ result: inout InstanceResult, flushPartial: Bool = false) {
        logs?.drainAll()
        result.logLines = logs?.take(flushPartial: flushPartial) ?? []
        if !initReported, let initDurationMs {
            initReported = true
            result.initDurationMs = initDurationMs
        }
        result.maxMemoryUsedMB = cgroup?.peakMB()
    }

    // MARK: Runtime API events (called by RuntimeAPIServer)

    func next() async -> RuntimeEvent? {
        switch machine.nextRequested() {
        case .reject:
            return nil
        case .deliver(let requestID, let firstPoll):
            if firstPoll { markInitialized() }
            guard let inflight, inflight.context.requestID == requestID else { return nil }
            armTimer(inflight.context, allowance: Double(inflight.context.timeoutSeconds))
            return RuntimeEvent(inflight.context)
        case .park(let firstPoll):
            if firstPoll { markInitialized() }
            return await withCheckedContinuation { continuation in
                if let old = poller { old.resume(returning: nil) }
                poller = continuation
            }
        }
    }

    private func markInitialized() {
        initDurationMs = Double((ContinuousClock.now - startedAt).components.attoseconds) / 1e15
            + Double((ContinuousClock.now - startedAt).components.seconds) * 1000
    }

    /// The runtime posted a result. Returns false for an unknown request id.
    func complete(requestID: String, payload: [UInt8], errorType: String?, isError: Bool) -> Bool {
        guard case .complete = machine.resultPosted(requestID: requestID), let inflight else { return false }
        self.inflight = nil
        inflight.timer?.cancel()
        var result: InstanceResult
        if isError {
            let type = errorType ?? FunctionErrorDocument.errorType(in: payload) ?? "Unhandled"
            result = InstanceResult(outcome: .functionError, payload: payload, errorType: type)
        } else {
            result = InstanceResult(outcome: .success, payload: payload)
        }
        finish(&result)
        inflight.continuation.resume(returning: result)
        return true
    }

    func initFailed(payload: [UInt8], errorType: String?) {
        _ = machine.initErrorPosted()
        if initDurationMs == nil { markInitialized() }
        terminateProcess()
        guard let inflight else { return }
        self.inflight = nil
        inflight.timer?.cancel()
        let type = errorType ?? FunctionErrorDocument.errorType(in: payload) ?? "Runtime.InitError"
        var result = InstanceResult(outcome: .initError, payload: payload, errorType: type)
        finish(&result, flushPartial: true)
        inflight.continuation.resume(returning: result)
    }

    private func processExited(status: Int32, signaled: Bool) async {
        _ = machine.processExited()
        if let poller {
            self.poller = nil
            poller.resume(returning: nil)
        }
        guard let inflight else { return }
        self.inflight = nil
        inflight.timer?.cancel()
        let requestID = inflight.context.requestID
        var result: InstanceResult
        // Under bubblewrap (or the cgroup's shell wrapper) a child killed by signal N shows as exit 128+N.
        var signaled = signaled
        var status = status
        if !signaled, status > 128, status < 160, configuration.sandbox.mode != .none || cgroup != nil {
            signaled = true
            status -= 128
        }
        if signaled && status == SIGKILL && (cgroup?.oomKilled() ?? false) {
            result = .failure(
                .outOfMemory, type: "Runtime.OutOfMemory",
                message: "RequestId: \(requestID) Error: Runtime exited with error: signal: killed (memory limit \(spec.function.memoryMB) MB exceeded)")
        } else {
            let how = signaled ? "signal: \(Self.signalName(status))" : "exit status \(status)"
            result = .failure(.crashed, type: "Runtime.ExitError", message: "RequestId: \(requestID) Error: Runtime exited with error: \(how)")
        }
        // Give the pipes a moment: the kernel may still hold the dying process's last output.
        try? await Task.sleep(for: .milliseconds(5))
        finish(&result, flushPartial: true)
        inflight.continuation.resume(returning: result)
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
