import Foundation
import GustCore
import Synchronization
import WasmKit

/// Reactor instances made ahead of their first invocation ("spares"), one per function version
/// and settings: instantiated with every function already translated, `_initialize` not run.
///
/// WasmKit translates a function's body per instance, at its first call, and cannot share or
/// keep that work; for a C reactor that is nearly all of a cold start (2–4 ms for printf's
/// core; docs/wasm.md). Engines that compile ahead of time (Wasmtime, behind Spin) do that at
/// deploy, and this is the same move for WasmKit: deploy makes the version's spare, and each new
/// instance, once it has answered its first call, makes the next one in the background, so
/// later cold starts (scale-out, after keep-alive) find one as well.
///
/// A spare has run no guest code (modules with a start function get none), so an instance made
/// from one starts as fresh as any other: `_initialize` runs at its first invocation and is its
/// Init. At most `capacity` spares are kept, the oldest dropped first.
final class SpareGuests: Sendable {
    struct Key: Hashable, Sendable {
        let path: String
        let settings: GuestSettings
    }

    /// A guest on its way from the worker that made it to its instance's lane; one thread
    /// touches it at a time.
    struct Guest: @unchecked Sendable {
        let guest: WasmGuest
    }

    static let capacity = 16
    /// Larger modules get no spare: translating all of such a module at deploy costs more than
    /// translating, lazily, what its calls reach.
    static let maxModuleBytes = 1 << 20

    private struct State {
        var ready: [Key: Guest] = [:]
        /// Keys of `ready`, oldest first.
        var order: [Key] = []
        var making: Set<Key> = []
        /// The newest key asked for per function version: a spare made for an older one (a refill
        /// that finishes after a redeploy) is stale and dropped.
        var current: [VersionKey: Key] = [:]
        var closed = false
    }

    private struct VersionKey: Hashable {
        let functionName: String
        let version: String
        init(_ key: Key) {
            functionName = key.settings.functionName
            version = key.settings.version
        }
    }

    private let state = Mutex(State())
    /// `compilationMode: .eager`: instantiating translates every function.
    let engine: Engine

    init(configuration: EngineConfiguration) {
        var eager = configuration
        eager.compilationMode = .eager
        engine = Engine(configuration: eager)
    }

    static func eligible(_ program: WasmProgram) -> Bool {
        program.kind == .reactor && !program.hasStartFunction && program.byteCount <= maxModuleBytes
    }

    func take(_ key: Key) -> Guest? {
        state.withLock { state in
            guard let guest = state.ready.removeValue(forKey: key) else { return nil }
            state.order.removeAll { $0 == key }
            return guest
        }
    }

    /// Makes the spare for `key` on a guest worker and returns when it is ready, unless one is
    /// ready or being made already. A module that fails to instantiate gets none; its first
    /// invocation reports why, as without spares.
    /// - Parameter replacing: a deploy's call: `key` becomes the version's current settings. A
    ///   refill (false) only makes a spare for the current settings, or for a version that has
    ///   none yet; an instance of an older configuration finishing its first call late must not
    ///   displace the new one's spare.
    func make(
        _ key: Key, program: WasmProgram, replacing: Bool, interrupter: GuestInterrupter = GuestInterrupter()
    ) async {
        let eligible = Self.eligible(program)
        let (claimed, superseded) = state.withLock { state -> (Bool, [Guest]) in
            guard !state.closed else { return (false, []) }
            let version = VersionKey(key)
            var superseded: [Guest] = []
            if state.current[version] != key, replacing || state.current[version] == nil {
                state.current[version] = key
                // Spares of the same version under older settings (environment, memory, code).
                state.order.removeAll { other in
                    guard VersionKey(other) == version, other != key else { return false }
                    if let guest = state.ready.removeValue(forKey: other) { superseded.append(guest) }
                    return true
                }
            }
            // A deploy of a module that gets no spare still drops the older settings' spare.
            guard eligible, state.current[version] == key, state.ready[key] == nil, !state.making.contains(key) else {
                return (false, superseded)
            }
            state.making.insert(key)
            return (true, superseded)
        }
        _ = superseded  // dropped outside the lock
        guard claimed else { return }
        let made: Guest? = await withCheckedContinuation { continuation in
            GuestExecutor.shared.submit { [engine] in
                let guest = WasmGuest(
                    program: program, engine: engine, settings: key.settings, instanceID: "spare-\(UUID())",
                    parseMs: nil, interrupter: interrupter)
                continuation.resume(returning: (try? guest.prepareSpare()) == nil ? nil : Guest(guest: guest))
            }
        }
        let evicted: [Guest] = state.withLock { state in
            state.making.remove(key)
            guard let made else { return [] }
            guard !state.closed, state.current[VersionKey(key)] == key else { return [made] }
            var evicted: [Guest] = []
            state.ready[key] = made
            state.order.append(key)
            while state.order.count > Self.capacity, let oldest = state.order.first {
                state.order.removeFirst()
                if let guest = state.ready.removeValue(forKey: oldest) { evicted.append(guest) }
            }
            return evicted
        }
        // Dropped outside the lock: a guest's deinit closes its WASI bridge.
        _ = evicted
    }

    var readyCount: Int { state.withLock { $0.ready.count } }

    /// Drops every spare and makes no more (at shutdown).
    func close() {
        let all = state.withLock { state in
            defer {
                state.ready = [:]
                state.order = []
                state.current = [:]
                state.closed = true
            }
            return Array(state.ready.values)
        }
        _ = all
    }
}
