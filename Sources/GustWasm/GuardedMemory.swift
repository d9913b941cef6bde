// Written by hand because WasmKit's WASI trusts guest pointers: its accessors stop the whole
// process with a precondition when a guest passes a pointer outside its linear memory. Gust
// links WASI over this `GuestMemory` instead, which turns such an access into a trap.
import Foundation
import Synchronization
@_spi(WASIPlatform) import WASI
import WasmKit
import WasmKitWASI

/// Guest memory as WASI sees it. An out-of-bounds access cannot throw (the accessor `rethrows`),
/// so it is pointed at this guest's own sink — a large reserved mapping that reads as zeros —
/// and recorded; the host function's caller then raises a trap. The sink belongs to one guest,
/// so nothing one function's host calls write there can be read by another function.
struct GuardedMemory: GuestMemory, SendableMetatype {
    let memory: Memory
    let guard_: MemoryGuard

    func withUnsafeMutableBufferPointer<T>(
        offset: UInt, count: Int, _ body: (UnsafeMutableRawBufferPointer) throws -> T
    ) rethrows -> T {
        let (end, overflow) = offset.addingReportingOverflow(UInt(max(0, count)))
        if !overflow, end <= UInt(memory.byteCount) {
            return try memory.withUnsafeMutableBufferPointer(offset: offset, count: count, body)
        }
        return try body(guard_.sink(count: count))
    }
}

/// Records out-of-bounds accesses of one guest and owns its sink.
final class MemoryGuard: Sendable {
    /// Larger than any single access WASI derives from 32-bit guest lengths.
    static let sinkSize = 64 << 30
    private let state = Mutex<(sink: UInt?, faulted: Bool)>((nil, false))

    func sink(count: Int) -> UnsafeMutableRawBufferPointer {
        let base = state.withLock { state -> UInt in
            state.faulted = true
            if let sink = state.sink { return sink }
            let mapped = mmap(
                nil, Self.sinkSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
            precondition(mapped != MAP_FAILED, "cannot reserve address space for a wasm guest's sink")
            state.sink = UInt(bitPattern: mapped)
            return state.sink!
        }
        return UnsafeMutableRawBufferPointer(
            start: UnsafeMutableRawPointer(bitPattern: base), count: min(max(0, count), Self.sinkSize))
    }

    /// Whether the guest touched memory out of bounds since the last call; clears the sink.
    func takeFault() -> Bool {
        state.withLock { state in
            guard state.faulted else { return false }
            state.faulted = false
            if let sink = state.sink {
                madvise(UnsafeMutableRawPointer(bitPattern: sink), Self.sinkSize, MADV_DONTNEED)
            }
            return true
        }
    }

    var faulted: Bool { state.withLock { $0.faulted } }

    deinit {
        if let sink = state.withLock({ $0.sink }) {
            munmap(UnsafeMutableRawPointer(bitPattern: sink), Self.sinkSize)
        }
    }

    /// Links WASI's preview1 functions for `wasi` into `imports`, over guarded memory.
    func link(_ wasi: WASIBridgeToHost, capabilities: [WASI.WASICapability<GuardedMemory>], to imports: inout Imports, store: Store) {
        for (name, function) in wasi.hostFunctions(capabilities: capabilities) {
            imports.define(
                module: "wasi_snapshot_preview1", name: name,
                Function(store: store, type: function.type) { [self] caller, arguments in
                    guard case .memory(let memory) = caller.instance?.export("memory") else {
                        throw GuestFault("\(name) needs an exported memory")
                    }
                    let result = try function.implementation(GuardedMemory(memory: memory, guard_: self), arguments)
                    if takeFault() {
                        throw GuestFault("\(name): pointer out of bounds of linear memory")
                    }
                    return result
                })
        }
        // WASI's own random_get would fill a guest-chosen length (up to 4 GiB) of the sink.
        imports.define(
            module: "wasi_snapshot_preview1", name: "random_get",
            Function(store: store, parameters: [.i32, .i32], results: [.i32]) { caller, arguments in
                guard case .memory(let memory) = caller.instance?.export("memory") else {
                    throw GuestFault("random_get needs an exported memory")
                }
                let offset = Int(arguments[0].i32), count = Int(arguments[1].i32)
                guard offset + count <= memory.byteCount else {
                    throw GuestFault("random_get: buffer out of bounds of linear memory")
                }
                if count > 0 {
                    memory.withUnsafeMutableBufferPointer(offset: UInt(offset), count: count) { buffer in
                        var generator = SystemRandomNumberGenerator()
                        for index in buffer.indices { buffer[index] = generator.next() }
                    }
                }
                return [.i32(0)]
            })
    }
}
