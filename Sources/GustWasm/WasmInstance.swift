import GustCore
import GustRuntime
import Synchronization
import WasmKit

/// One instance of a `wasm` function: a `WasmGuest` and the lane its calls run in, in order, on
/// the shared `GuestExecutor`. A command module gets a
/// fresh WebAssembly instance for every invocation; a reactor keeps one (see docs/wasm.md).
final class WasmInstance: GustRuntime.FunctionInstance {
    let id: String
    private let lane = GuestLane()
    /// Touched only in `lane`.
    private nonisolated(unsafe) var guest: WasmGuest?
    private nonisolated(unsafe) var loadFailure: GustError?
    private let stopped = Mutex(false)
    private let interrupter: GuestInterrupter
    /// Runs once, after the first invocation has answered, with the instance's program.
    /// Touched only in `lane`.
    private nonisolated(unsafe) var afterFirstCall: (@Sendable (WasmProgram) -> Void)?

    init(
        spec: InstanceSpec, settings: GuestSettings, engine: Engine, cache: ProgramCache, wasmPath: String,
        afterFirstCall: (@Sendable (WasmProgram) -> Void)? = nil
    ) {
        id = spec.instanceID
        interrupter = GuestInterrupter()
        self.afterFirstCall = afterFirstCall
        lane.run { [self] in
            do throws(GustError) {
                let (program, parseMs) = try cache.program(at: wasmPath)
                guest = WasmGuest(
                    program: program, engine: engine, settings: settings, instanceID: id, parseMs: parseMs,
                    interrupter: interrupter)
            } catch {
                loadFailure = error
            }
        }
    }

    /// An instance around a spare guest (`SpareGuests`), instantiated ahead of time.
    init(spec: InstanceSpec, spare: SpareGuests.Guest, afterFirstCall: (@Sendable (WasmProgram) -> Void)? = nil) {
        id = spec.instanceID
        interrupter = spare.guest.interrupter
        self.afterFirstCall = afterFirstCall
        lane.run { [self] in
            guest = spare.guest
        }
    }

    func invoke(_ invocation: InvocationContext, completion: @escaping @Sendable (InstanceResult) -> Void) {
        let queued = lane.run { [self] in
            if let guest {
                completion(guest.invoke(invocation))
                if let next = afterFirstCall {
                    afterFirstCall = nil
                    next(guest.program)
                }
            } else {
                completion(
                    .failure(
                        .initError, type: "Runtime.InvalidWasmModule",
                        message: "RequestId: \(invocation.requestID) Error: \(loadFailure?.message ?? "the module could not be loaded")"))
            }
        }
        if !queued { completion(.notAvailable(requestID: invocation.requestID)) }
    }

    func stop() async {
        guard stopped.withLock({ stopped in
            defer { stopped = true }
            return !stopped
        }) else { return }
        // A call in progress (a guest spinning until its timeout, at shutdown) ends now.
        interrupter.interrupt()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let queued = lane.run { [self] in
                guest?.stop()
                guest = nil
                continuation.resume()
            }
            lane.close()
            if !queued { continuation.resume() }
        }
    }
}
