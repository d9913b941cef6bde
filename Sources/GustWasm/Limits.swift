import Dispatch
@_spi(Fuzzing) import WasmKit
import Synchronization

/// Caps a guest's linear memory at the function's memory size and remembers whether the guest
/// asked for more, so a trap or failure that follows is reported as out of memory.
final class MemoryCap: ResourceLimiter {
    let maxBytes: Int
    /// Tables only grow for function pointers; this bounds a hostile `table.grow` loop.
    static let maxTableElements = 1 << 20
    private let state = Mutex<(denied: Bool, peak: Int)>((false, 0))

    init(maxBytes: Int) {
        self.maxBytes = maxBytes
    }

    func limitMemoryGrowth(to desired: Int) throws -> Bool {
        state.withLock { state in
            guard desired <= maxBytes else {
                state.denied = true
                return false
            }
            state.peak = max(state.peak, desired)
            return true
        }
    }

    func limitTableGrowth(to desired: Int) throws -> Bool {
        desired <= Self.maxTableElements
    }

    var denied: Bool { state.withLock { $0.denied } }
    var peakBytes: Int { state.withLock { $0.peak } }

    /// Starts a new invocation's accounting (a reactor keeps its memory, and so its peak).
    func resetDenied() {
        state.withLock { $0.denied = false }
    }
}

/// Ends a guest's execution at a wall-clock deadline.
///
/// WasmKit has fuel metering but no asynchronous interrupt. The interpreter re-reads the store's
/// fuel counter at every charge point (loop heads, calls, block entries), so zeroing the counter
/// from another thread makes the next charge trap with "out of fuel" — the same idea as
/// wasmtime's epoch interruption. The write races with the interpreter's own read-modify-write,
/// so it is repeated every millisecond until the guest has stopped; a lost zeroing only delays
/// the trap by that much.
final class Deadline: Sendable {
    /// Budget a guest starts each call with: effectively unlimited, time is the limit.
    static let unlimited = Fuel(remaining: UInt64.max / 2)
    private static let queue = DispatchQueue(label: "gust.wasm.deadline")

    private struct State {
        var armed = true
        var fired = false
    }

    private let state = Mutex(State())
    private let store: StoreReference
    /// Dispatch sources are thread-safe to cancel; the type just is not marked Sendable.
    private nonisolated(unsafe) let timer: any DispatchSourceTimer

    private init(store: StoreReference, timer: any DispatchSourceTimer) {
        self.store = store
        self.timer = timer
    }

    /// Arms a deadline for the guest running in `store`; `disarm` before the store runs again.
    static func arm(_ store: Store, at deadline: DispatchTime) -> Deadline {
        store.fuel = unlimited
        let timer = DispatchSource.makeTimerSource(queue: queue)
        let watchdog = Deadline(store: StoreReference(store), timer: timer)
        timer.schedule(deadline: deadline, repeating: .milliseconds(1), leeway: .microseconds(200))
        timer.setEventHandler { [weak watchdog] in watchdog?.fire() }
        timer.resume()
        return watchdog
    }

    private func fire() {
        state.withLock { state in
            guard state.armed else { return }
            state.fired = true
            store.store.fuel = Fuel(remaining: 0)
        }
    }

    /// Stops the watchdog; afterwards it never touches the store again. Returns whether it fired.
    @discardableResult
    func disarm() -> Bool {
        state.withLock { state in
            state.armed = false
            timer.cancel()
            return state.fired
        }
    }
}

/// A store crossing to the watchdog's queue. Only `Deadline.fire` touches it from there, under
/// the watchdog's lock, and only the fuel counter (see `Deadline`).
private struct StoreReference: @unchecked Sendable {
    let store: Store
    init(_ store: Store) { self.store = store }
}
