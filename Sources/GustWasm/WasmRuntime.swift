import Dispatch
import Foundation
import GustCore
import GustRuntime
import Logging
import Synchronization
import WasmKit

/// Runs `wasm` functions in-process on WasmKit: WASI preview1 modules, the event on stdin, the
/// response on stdout (see docs/wasm.md).
public struct WasmRuntime: FunctionRuntime {
    let engine: Engine
    let cache: ProgramCache
    let spares: SpareGuests
    let makesSpares: Bool
    let scratchRoot: String
    let logger: Logger

    /// - Parameter scratchRoot: where instances that declare a scratch directory get one; it is
    ///   emptied now, since nothing in it outlives its instance.
    /// - Parameter makesSpares: false leaves every reactor cold start to translate its code on
    ///   its first call (the benchmark's baseline).
    public init(scratchRoot: String, logger: Logger, makesSpares: Bool = true) {
        // Fuel metering is what lets a deadline stop a guest (see `Deadline`).
        let configuration = EngineConfiguration(fuelMetering: true)
        engine = Engine(configuration: configuration)
        spares = SpareGuests(configuration: configuration)
        self.makesSpares = makesSpares
        cache = ProgramCache()
        self.scratchRoot = scratchRoot
        self.logger = logger
        try? FileManager.default.removeItem(atPath: scratchRoot)
    }

    /// Parses the module at deploy time, on a guest worker (a large module takes a while, and the
    /// caller may be on an event loop), and makes a reactor's spare instance (`SpareGuests`). An
    /// invalid module is reported by the first invocation, as before; the parse time then no
    /// longer counts into that invocation's init duration.
    public func prepare(_ function: FunctionConfiguration, codeDirectory: String, services: ServiceEnvironment) async {
        guard (try? Self.checkHandler(function.handler)) != nil else { return }
        let path = "\(codeDirectory)/\(function.handler)"
        let program: WasmProgram? = await withCheckedContinuation { done in
            GuestExecutor.shared.submit { [cache] in
                done.resume(returning: try? cache.program(at: path).0)
            }
        }
        if let program, makesSpares {
            await spares.make(spareKey(function, path: path, services: services), program: program, replacing: true)
        }
    }

    static func checkHandler(_ handler: String) throws(GustError) {
        guard handler.hasSuffix(".wasm"), !handler.hasPrefix("/"), !handler.split(separator: "/").contains("..") else {
            throw .invalid("The handler of a wasm function names its .wasm file inside the code, e.g. hello.wasm (got '\(handler)')")
        }
    }

    public func start(_ spec: InstanceSpec) async throws(GustError) -> any GustRuntime.FunctionInstance {
        let function = spec.function
        try Self.checkHandler(function.handler)
        let path = "\(spec.codeDirectory)/\(function.handler)"
        let key = spareKey(function, path: path, services: spec.services)
        // The next cold start of this version finds a spare too: made once this instance has
        // answered its first call, so that the translation does not compete with it. This also
        // covers versions that were never deployed through this server's `prepare` (published
        // versions, functions from before a restart).
        var makeNextSpare: (@Sendable (WasmProgram) -> Void)?
        if makesSpares {
            makeNextSpare = { [spares] program in
                guard program.spareable else { return }
                Task { await spares.make(key, program: program, replacing: false) }
            }
        }
        if let spare = spares.take(key) {
            return WasmInstance(spec: spec, spare: spare, afterFirstCall: makeNextSpare)
        }
        return WasmInstance(
            spec: spec, settings: key.settings, engine: engine, cache: cache, wasmPath: path, afterFirstCall: makeNextSpare)
    }

    public func shutdown() async {
        spares.close()
    }

    public func functionDeleted(_ name: String) async {
        spares.forget(functionName: name)
    }

    /// `services` is part of the key: a spare reactor was instantiated with its environment.
    func spareKey(_ function: FunctionConfiguration, path: String, services: ServiceEnvironment = .none) -> SpareGuests.Key {
        SpareGuests.Key(path: path, settings: settings(for: function, services: services))
    }

    /// A guest has no sockets of its own; it gets the endpoint as the host reaches it, for
    /// host functions (or the guest's own records) to use.
    private func settings(for function: FunctionConfiguration, services: ServiceEnvironment) -> GuestSettings {
        var environment = services.applied(to: function.environment)
        let scratch = environment.removeValue(forKey: "GUST_SCRATCH_DIR")
        return GuestSettings(
            functionName: function.name, version: function.version, handler: function.handler, memoryMB: function.memoryMB,
            environment: environment, scratchGuestPath: scratch.flatMap { $0.isEmpty ? nil : $0 },
            scratchRoot: scratchRoot)
    }
}

/// Parsed modules by file. Code directories are content-addressed, so a path names one version
/// of the code for good and an entry never goes stale; old entries are evicted by count.
final class ProgramCache: Sendable {
    static let capacity = 128
    private let entries = Mutex<(programs: [String: WasmProgram], order: [String])>(([:], []))

    /// The program and, when this call parsed it, how long that took (part of a cold start).
    func program(at path: String) throws(GustError) -> (WasmProgram, Double?) {
        if let cached = entries.withLock({ $0.programs[path] }) { return (cached, nil) }
        let started = DispatchTime.now()
        guard let bytes = FileManager.default.contents(atPath: path) else {
            throw .invalid("The code has no file \(URL(fileURLWithPath: path).lastPathComponent)")
        }
        let program: WasmProgram
        do {
            let binary = Array(bytes)
            program = try WasmProgram(module: try parseWasm(bytes: binary), bytes: binary)
        } catch let error as GustError {
            throw error
        } catch {
            throw .invalid("\(URL(fileURLWithPath: path).lastPathComponent) is not a valid WebAssembly module: \(error)")
        }
        entries.withLock { entries in
            if entries.programs.updateValue(program, forKey: path) == nil { entries.order.append(path) }
            while entries.order.count > Self.capacity {
                entries.programs.removeValue(forKey: entries.order.removeFirst())
            }
        }
        return (program, WasmGuest.milliseconds(since: started))
    }
}
