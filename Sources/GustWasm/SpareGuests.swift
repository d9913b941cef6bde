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

    /// One per function version: its current settings (the newest a deploy asked for; a spare
    /// made for older ones, by a refill that finishes after a redeploy, is dropped) and its spare.
    private struct Slot {
        var current: Key
        var spare: Guest?
        /// When the spare was made, for dropping the oldest beyond `capacity`.
        var madeAt: UInt64 = 0
    }

    private struct VersionKey: Hashable {
        let functionName: String
        let version: String
        init(_ key: Key) {
            functionName = key.settings.functionName
            version = key.settings.version
        }
    }

    private struct State {
        var slots: [VersionKey: Slot] = [:]
        var making: Set<Key> = []
        var clock: UInt64 = 0
        var closed = false
    }

    private let state = Mutex(State())
    /// `compilationMode: .eager`: instantiating translates every function.
    let engine: Engine

    init(configuration: EngineConfiguration) {
        var eager = configuration
        eager.compilationMode = .eager
        engine = Engine(configuration: eager)
    }

    func take(_ key: Key) -> Guest? {
        state.withLock { state in
            let version = VersionKey(key)
            guard state.slots[version]?.current == key else { return nil }
            defer { state.slots[version]?.spare = nil }
            return state.slots[version]?.spare
        }
    }

    /// Makes the spare for `key` on a guest worker and returns when it is ready, unless one is
    /// ready or being made already. A module that fails to instantiate gets none; its first
    /// invocation reports why, as without spares.
    /// - Parameter replacing: a deploy's call: `key` becomes the version's current settings. A
    ///   refill (false) only makes a spare for the current settings, or for a version that has
    ///   none yet; an instance of an older configuration finishing its first call late must not
    ///   displace the new one's spare.
    func make(_ key: Key, program: WasmProgram, replacing: Bool) async {
        let version = VersionKey(key)
        let (claimed, superseded) = state.withLock { state -> (Bool, Guest?) in
            guard !state.closed else { return (false, nil) }
            var superseded: Guest?
            if state.slots[version] == nil {
                state.slots[version] = Slot(current: key)
            } else if replacing, state.slots[version]!.current != key {
                superseded = state.slots[version]!.spare
                state.slots[version] = Slot(current: key)
            }
            // A deploy of a module that gets no spare still drops the older settings' spare.
            guard program.spareable, state.slots[version]!.current == key, state.slots[version]!.spare == nil,
                !state.making.contains(key)
            else { return (false, superseded) }
            state.making.insert(key)
            return (true, superseded)
        }
        _ = superseded  // dropped outside the lock: a guest's deinit closes its WASI bridge
        guard claimed else { return }
        let made: Guest? = await withCheckedContinuation { continuation in
            GuestExecutor.shared.submit { [engine] in
                let guest = WasmGuest(
                    program: program, engine: engine, settings: key.settings, instanceID: "spare-\(UUID())", parseMs: nil)
                continuation.resume(returning: (try? guest.prepareSpare()) == nil ? nil : Guest(guest: guest))
            }
        }
        let dropped: [Guest] = state.withLock { state in
            state.making.remove(key)
            guard let made else { return [] }
            guard !state.closed, state.slots[version]?.current == key else { return [made] }
            state.clock += 1
            state.slots[version]!.spare = made
            state.slots[version]!.madeAt = state.clock
            var dropped: [Guest] = []
            while state.slots.values.count(where: { $0.spare != nil }) > Self.capacity,
                let oldest = state.slots.filter({ $0.value.spare != nil }).min(by: { $0.value.madeAt < $1.value.madeAt })?.key
            {
                dropped.append(state.slots[oldest]!.spare!)
                state.slots[oldest]!.spare = nil
            }
            return dropped
        }
        _ = dropped
    }

    var readyCount: Int { state.withLock { $0.slots.values.count(where: { $0.spare != nil }) } }

    /// Forgets a deleted function's versions and drops their spares.
    func forget(functionName: String) {
        let dropped = state.withLock { state in
            let versions = state.slots.keys.filter { $0.functionName == functionName }
            return versions.compactMap { state.slots.removeValue(forKey: $0)?.spare }
        }
        _ = dropped
    }

    /// Drops every spare and makes no more (at shutdown).
    func close() {
        let all = state.withLock { state in
            defer {
                state.slots = [:]
                state.closed = true
            }
            return state.slots.values.compactMap(\.spare)
        }
        _ = all
    }
}
