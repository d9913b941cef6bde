import Dispatch
import Foundation
import GustCore
import GustRuntime
@_spi(WASIPlatform) import WASI
@_spi(Fuzzing) import WasmKit
import WasmKitWASI
import WasmParser

/// A parsed module and the ABI it follows (see docs/wasm.md).
public struct WasmProgram: Sendable {
    public enum Kind: Sendable, Equatable {
        /// A WASI command: `_start` runs once per invocation in a fresh instance.
        case command
        /// Exports `gust_handle`: `_initialize` once, then one call per invocation in the same
        /// instance (the function opted into instance reuse).
        case reactor
    }

    public let module: Module
    public let kind: Kind
    /// Whether instances of it may be made ahead of their first invocation (`SpareGuests`): a
    /// reactor of at most `SpareGuests.maxModuleBytes` whose instantiation runs no guest code.
    let spareable: Bool

    /// - Parameter bytes: the binary `module` was parsed from.
    public init(module: Module, bytes: [UInt8]) throws(GustError) {
        self.module = module
        let functions = Set(module.exports.compactMap { export -> String? in
            if case .function = export.descriptor { return export.name }
            return nil
        })
        if functions.contains(WasmABI.handleExport) {
            kind = .reactor
        } else if functions.contains("_start") {
            kind = .command
        } else {
            throw .invalid("The module exports neither _start (a WASI command) nor \(WasmABI.handleExport) (a Gust reactor)")
        }
        spareable = kind == .reactor && bytes.count <= SpareGuests.maxModuleBytes && !Self.hasStartSection(bytes)
    }
}

extension WasmProgram {
    /// WasmKit keeps a module's start function to itself; the binary says it. Sections come in
    /// a fixed order, so the scan stops at the first one that follows the start section.
    static func hasStartSection(_ bytes: [UInt8]) -> Bool {
        var parser = Parser(bytes: bytes)
        // Unreadable counts as having one: no spare then, rather than guest code at deploy.
        do {
            while let payload = try parser.parseNext() {
                switch payload {
                case .startSection: return true
                case .elementSection, .dataCount, .codeSection, .dataSection: return false
                default: continue
                }
            }
            return false
        } catch {
            return true
        }
    }
}

/// Names the guest and Gust agree on.
enum WasmABI {
    static let handleExport = "gust_handle"
    static let hostModule = "gust"
    /// Every WASI group except sockets and `poll_oneoff`: no network, and no sleeping that a
    /// deadline could not interrupt. Unlinked functions answer ENOSYS; `random_get` is Gust's
    /// own (see `MemoryGuard.link`).
    static let capabilities: [WASI.WASICapability<GuardedMemory>] = [.environment, .clocks, .process, .stdio, .fileSystem]
}

/// What every instance of one function version shares.
struct GuestSettings: Sendable, Hashable {
    var functionName: String
    var version: String
    var handler: String
    var memoryMB: Int
    var environment: [String: String]
    /// Guest path of a scratch directory, when the function declared one (`GUST_SCRATCH_DIR`).
    var scratchGuestPath: String?
    /// Host directory under which each instance gets its scratch directory.
    var scratchRoot: String
    var maxResponseBytes = 6 * 1024 * 1024
    var maxLogBytes = 1 << 20
    var initTimeoutSeconds = 10

    var memoryBytes: Int { memoryMB * 1024 * 1024 }
}

/// Runs one instance's invocations. Confined to the instance's worker thread: WasmKit's `Store`
/// is not thread-safe, and a guest blocks the thread it runs on.
final class WasmGuest {
    let program: WasmProgram
    let engine: Engine
    let settings: GuestSettings
    let instanceID: String

    private let memoryGuard = MemoryGuard()
    private let input: EventInput
    private let output: OutputCapture
    private let errors: OutputCapture
    private let call = CallContext()
    private let cap: MemoryCap
    /// The reactor's live instance; commands never keep one.
    private var reactor: Live?
    /// A reactor instantiated, and its code translated, before its first invocation: `_initialize`
    /// has not run, so no guest code has (see `SpareGuests`).
    private var spare: Live?
    /// This instance's cold start: parsing (when this instance parsed the module) plus the first
    /// instantiation, and `_initialize` for a reactor.
    private var initDurationMs: Double
    private var initReported = false
    private var scratchDirectory: String?

    private struct Live {
        let store: Store
        let instance: Instance
        let wasi: WASIBridgeToHost
        /// `gust_handle`; nil for a command.
        let handle: Function?
    }

    let interrupter: GuestInterrupter

    init(
        program: WasmProgram, engine: Engine, settings: GuestSettings, instanceID: String, parseMs: Double?,
        interrupter: GuestInterrupter = GuestInterrupter()
    ) {
        self.interrupter = interrupter
        self.program = program
        self.engine = engine
        self.settings = settings
        self.instanceID = instanceID
        input = EventInput(memoryGuard: memoryGuard)
        output = OutputCapture(limit: settings.maxResponseBytes, memoryGuard: memoryGuard)
        errors = OutputCapture(limit: settings.maxLogBytes, memoryGuard: memoryGuard)
        cap = MemoryCap(maxBytes: settings.memoryBytes)
        initDurationMs = parseMs ?? 0
    }

    // MARK: Invocations

    func invoke(_ invocation: InvocationContext) -> InstanceResult {
        var result = run(invocation)
        result.logLines = logLines()
        if !initReported {
            initReported = true
            result.initDurationMs = initDurationMs
        }
        result.maxMemoryUsedMB = max(1, (cap.peakBytes + (1 << 20) - 1) >> 20)
        return result
    }

    private func run(_ invocation: InvocationContext) -> InstanceResult {
        call.set(requestID: invocation.requestID, deadline: invocation.deadline)
        input.reset(invocation.payload)
        _ = output.take()
        cap.resetDenied()
        _ = memoryGuard.takeFault()
        switch program.kind {
        case .command: return runCommand(invocation)
        case .reactor: return runReactor(invocation)
        }
    }

    private func runCommand(_ invocation: InvocationContext) -> InstanceResult {
        let started = DispatchTime.now()
        var environment = staticEnvironment()
        environment["GUST_REQUEST_ID"] = invocation.requestID
        environment["GUST_DEADLINE_MS"] = String(Int64(invocation.deadline.timeIntervalSince1970 * 1000))
        environment["GUST_INVOKED_FUNCTION_ARN"] = invocation.invokedFunctionARN
        let live: Live
        do {
            // A fresh scratch directory per call: a command keeps no state between invocations.
            try resetScratch()
            live = try instantiate(environment: environment, deadline: Self.dispatchTime(invocation.deadline))
        } catch is StartTimedOut {
            return interrupter.isStopping ? interrupted(invocation) : timedOut(invocation)
        } catch {
            return failure(error, invocation: invocation, deadline: nil, phase: .initialisation)
        }
        if !initReported {
            initDurationMs += Self.milliseconds(since: started)
        }
        defer { try? live.wasi.close() }
        let deadline = Deadline.arm(live.store, at: Self.dispatchTime(invocation.deadline), owner: interrupter)
        do {
            let status = try live.wasi.start(live.instance)
            deadline.disarm()
            return completed(status: status, invocation: invocation)
        } catch {
            return failure(error, invocation: invocation, deadline: deadline, phase: .invocation)
        }
    }

    private func runReactor(_ invocation: InvocationContext) -> InstanceResult {
        let live: Live
        if let reactor {
            live = reactor
        } else {
            let started = DispatchTime.now()
            if let spare {
                live = spare
                self.spare = nil
            } else {
                do {
                    try resetScratch()
                    live = try instantiate(environment: staticEnvironment(), deadline: .now() + .seconds(settings.initTimeoutSeconds))
                } catch is StartTimedOut {
                    return initTimedOut(invocation)
                } catch {
                    return failure(error, invocation: invocation, deadline: nil, phase: .initialisation)
                }
            }
            let deadline = Deadline.arm(
                live.store, at: .now() + .seconds(settings.initTimeoutSeconds), owner: interrupter)
            do {
                try live.wasi.initialize(live.instance)
                deadline.disarm()
                // What `_initialize` printed is not part of the first response.
                _ = output.take()
            } catch {
                try? live.wasi.close()
                return failure(error, invocation: invocation, deadline: deadline, phase: .initialisation)
            }
            initDurationMs += Self.milliseconds(since: started)
            reactor = live
            // What `_initialize` printed belongs to the first invocation's log, as on Lambda.
        }
        let deadline = Deadline.arm(live.store, at: Self.dispatchTime(invocation.deadline), owner: interrupter)
        do {
            let values = try live.handle!([.i32(UInt32(truncatingIfNeeded: invocation.payload.count))])
            deadline.disarm()
            let status: UInt32 = if case .i32(let raw) = values.first { raw } else { 0 }
            return completed(status: status, invocation: invocation)
        } catch {
            // The instance's state is unknown after a trap or exit: it is not reused.
            stopReactor()
            return failure(error, invocation: invocation, deadline: deadline, phase: .invocation)
        }
    }

    /// An instance dropped without `stop` still closes its WASI bridge (WasmKit requires it).
    deinit {
        stop()
    }

    /// Instantiates the reactor now, ahead of its first invocation. With an engine in eager
    /// compilation mode that translates every function, which is most of a cold start's work.
    /// Only for modules without a start function, so no guest code runs here.
    func prepareSpare() throws {
        precondition(program.kind == .reactor && spare == nil && reactor == nil)
        try resetScratch()
        spare = try instantiate(environment: staticEnvironment(), deadline: .now() + .seconds(settings.initTimeoutSeconds))
    }

    func stop() {
        Self.close(&spare)
        stopReactor()
        if let scratchDirectory { try? FileManager.default.removeItem(atPath: scratchDirectory) }
        scratchDirectory = nil
    }

    private func stopReactor() {
        Self.close(&reactor)
    }

    private static func close(_ live: inout Live?) {
        try? live?.wasi.close()
        live = nil
    }

    // MARK: Instantiation

    /// Instantiating runs the module's start function, if it has one: it gets the same deadline.
    private func instantiate(environment: [String: String], deadline: DispatchTime) throws -> Live {
        var fileSystem = WASIBridgeToHost.FileSystemOptions.host().withStdio(stdin: input, stdout: output, stderr: errors)
        if let guestPath = settings.scratchGuestPath, let scratchDirectory {
            fileSystem = fileSystem.withPreopens([.init(guestPath: guestPath, hostPath: scratchDirectory)])
        }
        let wasi = try WASIBridgeToHost(args: [settings.handler], environment: environment, fileSystem: fileSystem)
        do {
            let store = Store(engine: engine)
            store.resourceLimiter = cap
            var imports = Imports()
            memoryGuard.link(wasi, capabilities: WasmABI.capabilities, to: &imports, store: store)
            call.link(to: &imports, store: store)
            cap.startStore()
            let watchdog = Deadline.arm(store, at: deadline, owner: interrupter)
            let instance: Instance
            do {
                instance = try program.module.instantiate(store: store, imports: imports)
            } catch {
                throw watchdog.disarm() ? StartTimedOut() : error
            }
            watchdog.disarm()
            let handle = instance.exports[function: WasmABI.handleExport]
            if program.kind == .reactor {
                guard let handle, handle.type == FunctionType(parameters: [.i32], results: [.i32]) else {
                    throw GustError.invalid("\(WasmABI.handleExport) must have the type (i32) -> i32")
                }
            }
            return Live(store: store, instance: instance, wasi: wasi, handle: handle)
        } catch {
            try? wasi.close()
            throw error
        }
    }

    private func staticEnvironment() -> [String: String] {
        var environment = settings.environment
        environment["AWS_LAMBDA_FUNCTION_NAME"] = settings.functionName
        environment["AWS_LAMBDA_FUNCTION_VERSION"] = settings.version
        environment["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = String(settings.memoryMB)
        environment["_HANDLER"] = settings.handler
        return environment
    }

    private func resetScratch() throws {
        guard settings.scratchGuestPath != nil else { return }
        let fm = FileManager.default
        let path = "\(settings.scratchRoot)/\(instanceID)"
        try? fm.removeItem(atPath: path)
        try fm.createDirectory(atPath: path, withIntermediateDirectories: true)
        scratchDirectory = path
    }

    // MARK: Outcomes

    private enum Phase { case initialisation, invocation }

    /// A guest that ran to its end: status 0 returns stdout; any other status is a function error.
    private func completed(status: UInt32, invocation: InvocationContext) -> InstanceResult {
        let (response, overflow) = output.take()
        if overflow > 0 {
            return .failure(
                .functionError, type: "Function.ResponseSizeTooLarge",
                message: "Response payload size (\(response.count + overflow) bytes) exceeded maximum allowed payload size (\(settings.maxResponseBytes) bytes).")
        }
        guard status == 0 else {
            if cap.denied {
                return outOfMemory(invocation)
            }
            // A guest may report its own error document on stdout, as Lambda handlers do.
            if let type = FunctionErrorDocument.errorType(in: response) {
                return InstanceResult(outcome: .functionError, payload: response, errorType: type)
            }
            return .failure(
                .functionError, type: "Runtime.ExitError",
                message: "RequestId: \(invocation.requestID) Error: Runtime exited with error: exit status \(status)")
        }
        return InstanceResult(outcome: .success, payload: response)
    }

    private func failure(_ error: any Error, invocation: InvocationContext, deadline: Deadline?, phase: Phase) -> InstanceResult {
        let fired = deadline?.disarm() ?? false
        _ = output.take()
        if interrupter.isStopping { return interrupted(invocation) }
        if fired {
            return phase == .initialisation ? initTimedOut(invocation) : timedOut(invocation)
        }
        if cap.denied || Self.isMemoryLimit(error) {
            return outOfMemory(invocation)
        }
        if let exit = error as? WASIExitCode {
            // proc_exit inside a reactor's handler: the instance is gone, as a process would be.
            return .failure(
                .crashed, type: "Runtime.ExitError",
                message: "RequestId: \(invocation.requestID) Error: Runtime exited with error: exit status \(exit.code)")
        }
        let reason: String
        if let trap = error as? Trap {
            reason = Self.reason(trap)
        } else if let fault = error as? GuestFault {
            reason = fault.description
        } else if phase == .invocation {
            reason = "\(error)"
        } else {
            // Instantiation: a missing import, a failing start function, a scratch directory
            // that cannot be made.
            return .failure(
                .initError, type: "Runtime.InitError",
                message: "RequestId: \(invocation.requestID) Error: cannot instantiate \(settings.handler): \(error)")
        }
        return .failure(
            phase == .initialisation ? .initError : .crashed, type: "Runtime.WasmTrap",
            message: "RequestId: \(invocation.requestID) Error: wasm trap: \(reason)")
    }

    private func interrupted(_ invocation: InvocationContext) -> InstanceResult {
        .failure(
            .interrupted, type: "Runtime.Interrupted",
            message: "RequestId: \(invocation.requestID) Error: the instance was stopped")
    }

    private func timedOut(_ invocation: InvocationContext) -> InstanceResult {
        InstanceResult(
            outcome: .timeout,
            payload: FunctionErrorDocument.timeout(requestID: invocation.requestID, seconds: invocation.timeoutSeconds),
            errorType: "Sandbox.Timedout")
    }

    private func initTimedOut(_ invocation: InvocationContext) -> InstanceResult {
        .failure(
            .initError, type: "Runtime.InitError",
            message: "RequestId: \(invocation.requestID) Error: initialisation did not finish within \(settings.initTimeoutSeconds) seconds")
    }

    private func outOfMemory(_ invocation: InvocationContext) -> InstanceResult {
        .failure(
            .outOfMemory, type: "Runtime.OutOfMemory",
            message: "RequestId: \(invocation.requestID) Error: Runtime exited with error: memory limit \(settings.memoryMB) MB exceeded")
    }

    /// The trap's reason without WasmKit's "Trap: " prefix and backtrace.
    static func reason(_ trap: Trap) -> String {
        var text = trap.description
        if text.hasPrefix("Trap: ") { text.removeFirst(6) }
        return String(text.prefix { $0 != "\n" })
    }

    private static func isMemoryLimit(_ error: any Error) -> Bool {
        guard let trap = error as? Trap else { return false }
        return reason(trap).contains("exceeds the resource limit")
    }

    private func logLines() -> [String] {
        let (bytes, overflow) = errors.take()
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map {
            String(decoding: $0, as: UTF8.self)
        }
        if lines.last == "" { lines.removeLast() }
        if overflow > 0 {
            lines.append("[gust] \(overflow) bytes of log output dropped: output exceeded \(settings.maxLogBytes) bytes")
        }
        return lines
    }

    static func milliseconds(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1_000_000
    }

    static func dispatchTime(_ date: Date) -> DispatchTime {
        let seconds = max(0, date.timeIntervalSinceNow)
        return .now() + .nanoseconds(Int(seconds * 1_000_000_000))
    }
}

/// The module's start function ran past its deadline.
struct StartTimedOut: Error {}
