import Dispatch
import Foundation
@_spi(Fuzzing) import WasmKit
import Synchronization

/// Caps a guest's linear memory at the function's memory size and remembers whether the guest
/// asked for more, so a trap or failure that follows is reported as out of memory.
final class MemoryCap: ResourceLimiter {
    let maxBytes: Int
    /// Tables hold function references; this bounds their elements over all tables and all
    /// growth of one store (a module may declare many tables).
    static let maxTableElements = 1 << 20
    /// Linear memory stays this far below 4 GiB, so that guest addresses plus small offsets
    /// never overflow WasmKit's 32-bit address arithmetic (see `MemoryGuard.checkArguments`).
    static let addressCeiling = (4 << 30) - (1 << 20)
    private let state = Mutex<(denied: Bool, peak: Int, tableElements: Int)>((false, 0, 0))

    init(maxBytes: Int) {
        self.maxBytes = min(maxBytes, Self.addressCeiling)
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
        // Growth reports a table's new size, not the increase: counting it whole over-counts
        // growth, which only makes the cap stricter for modules that grow tables.
        state.withLock { state in
            guard desired <= Self.maxTableElements - state.tableElements else {
                state.denied = true
                return false
            }
            state.tableElements += desired
            return true
        }
    }

    var denied: Bool { state.withLock { $0.denied } }
    var peakBytes: Int { state.withLock { $0.peak } }

    /// A new store starts with no tables.
    func startStore() {
        state.withLock { $0.tableElements = 0 }
    }

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
///
/// One watchdog thread serves every guest: arming and disarming are a lock and a table update,
/// which matters on a warm path measured in microseconds (a dispatch timer per call cost more
/// than the guest's own work).
struct Deadline: Sendable {
    /// Budget a guest starts each call with: effectively unlimited, time is the limit.
    static let unlimited = Fuel(remaining: UInt64.max / 2)

    private let token: Int

    /// Arms a deadline for the guest running in `store`; `disarm` before the store runs again.
    /// `owner` can end it early (`GuestInterrupter.interrupt`).
    static func arm(_ store: Store, at deadline: DispatchTime, owner: GuestInterrupter? = nil) -> Deadline {
        store.fuel = unlimited
        let at = owner?.isStopping == true ? 0 : deadline.uptimeNanoseconds
        return Deadline(
            token: Watchdog.shared.arm(StoreReference(store), at: at, owner: owner.map(ObjectIdentifier.init)))
    }

    /// Stops watching; afterwards the watchdog never touches the store again. Returns whether the
    /// deadline had passed and the guest was told to stop.
    @discardableResult
    func disarm() -> Bool {
        Watchdog.shared.disarm(token)
    }
}

/// The thread behind `Deadline`.
private final class Watchdog: @unchecked Sendable {
    static let shared = Watchdog()
    private static let retryNanoseconds: UInt64 = 1_000_000

    private struct Entry {
        let store: StoreReference
        var deadline: UInt64
        let owner: ObjectIdentifier?
        var fired = false
    }

    // NSCondition guards everything below it.
    private let condition = NSCondition()
    private var entries: [Int: Entry] = [:]
    private var nextToken = 0
    /// When the thread wakes next (uptime ns); `UInt64.max` while it waits for work.
    private var wakeAt = UInt64.max

    private init() {
        let thread = Thread { [self] in run() }
        thread.name = "gust-wasm-deadlines"
        thread.start()
    }

    func arm(_ store: StoreReference, at deadline: UInt64, owner: ObjectIdentifier?) -> Int {
        condition.lock()
        defer { condition.unlock() }
        nextToken += 1
        entries[nextToken] = Entry(store: store, deadline: deadline, owner: owner)
        if deadline < wakeAt { condition.signal() }
        return nextToken
    }

    /// Brings every deadline of `owner` forward to now.
    func expire(owner: ObjectIdentifier) {
        condition.lock()
        defer { condition.unlock() }
        for (token, entry) in entries where entry.owner == owner { entries[token]?.deadline = 0 }
        condition.signal()
    }

    func disarm(_ token: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        return entries.removeValue(forKey: token)?.fired ?? false
    }

    private func run() {
        condition.lock()
        while true {
            let now = DispatchTime.now().uptimeNanoseconds
            var next = UInt64.max
            for (token, entry) in entries {
                if entry.deadline <= now {
                    entry.store.store.fuel = Fuel(remaining: 0)
                    entries[token]?.fired = true
                    next = min(next, now + Self.retryNanoseconds)
                } else {
                    next = min(next, entry.deadline)
                }
            }
            wakeAt = next
            if next == UInt64.max {
                condition.wait()
            } else {
                _ = condition.wait(until: Date(timeIntervalSinceNow: Double(next - now) / 1e9))
            }
        }
    }
}
/// Ends an instance's running call at once (the instance is being stopped, e.g. at shutdown),
/// and every call it starts afterwards.
final class GuestInterrupter: Sendable {
    private let stopping = Atomic<Bool>(false)

    var isStopping: Bool { stopping.load(ordering: .acquiring) }

    func interrupt() {
        stopping.store(true, ordering: .releasing)
        Watchdog.shared.expire(owner: ObjectIdentifier(self))
    }
}

/// A store crossing to the watchdog's thread. Only the watchdog touches it from there, under its
/// lock, and only the fuel counter (see `Deadline`).
private struct StoreReference: @unchecked Sendable {
    let store: Store
    init(_ store: Store) { self.store = store }
}
