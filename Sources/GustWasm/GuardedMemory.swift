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
    static let smallSinkSize = (4 << 30) + (64 << 10)
    private let state = Mutex<(sink: UInt?, sinkSize: Int, faulted: Bool)>((nil, 0, false))

    func sink(count: Int) -> UnsafeMutableRawBufferPointer {
        let base = state.withLock { state -> UInt in
            state.faulted = true
            if let sink = state.sink { return sink }
            // 64 GiB of address space costs nothing with MAP_NORESERVE; where overcommit is
            // strict, 4 GiB (every length WASI reads from guest memory is 32-bit) must do.
            for size in [Self.sinkSize, Self.smallSinkSize] {
                let mapped = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
                if mapped != MAP_FAILED {
                    state.sink = UInt(bitPattern: mapped)
                    state.sinkSize = size
                    return state.sink!
                }
            }
            preconditionFailure("cannot reserve address space for a wasm guest's sink")
        }
        let size = state.withLock { $0.sinkSize }
        return UnsafeMutableRawBufferPointer(start: UnsafeMutableRawPointer(bitPattern: base), count: min(max(0, count), size))
    }

    /// Whether the guest touched memory out of bounds since the last call; clears the sink.
    func takeFault() -> Bool {
        state.withLock { state in
            guard state.faulted else { return false }
            state.faulted = false
            if let sink = state.sink {
                madvise(UnsafeMutableRawPointer(bitPattern: sink), state.sinkSize, MADV_DONTNEED)
            }
            return true
        }
    }

    var faulted: Bool { state.withLock { $0.faulted } }

    deinit {
        let (sink, size) = state.withLock { ($0.sink, $0.sinkSize) }
        if let sink { munmap(UnsafeMutableRawPointer(bitPattern: sink), size) }
    }

    /// Arguments that are not pointers, lengths or counts, and may hold any value.
    private static let freeArguments: Set<String> = ["proc_exit", "proc_raise"]
    /// Calls whose arguments 1 and 2 are an array of 8-byte iovecs and its count.
    private static let iovecCalls: Set<String> = ["fd_read", "fd_write", "fd_pread", "fd_pwrite"]

    /// Checks a call's arguments before WASI sees them. WasmKit's WASI computes guest addresses
    /// in checked 32-bit arithmetic (`pointer + offset`, `index * stride`), so an argument near
    /// 2^32 would stop the process on overflow. Every pointer, length and count must lie within
    /// linear memory (which `MemoryCap` keeps well below 4 GiB), and an iovec array must fit in
    /// it as a whole.
    static func checkArguments(_ name: String, _ arguments: [Value], memoryBytes: Int) throws {
        guard !freeArguments.contains(name) else { return }
        for argument in arguments {
            if case .i32(let value) = argument, Int(value) > memoryBytes {
                throw GuestFault("\(name): argument \(value) out of bounds of linear memory")
            }
        }
        if iovecCalls.contains(name), arguments.count >= 3, case .i32(let base) = arguments[1],
            case .i32(let count) = arguments[2], Int(base) + Int(count) * 8 > memoryBytes
        {
            throw GuestFault("\(name): iovec array out of bounds of linear memory")
        }
        if name == "fd_readdir", arguments.count >= 3, case .i32(let base) = arguments[1],
            case .i32(let length) = arguments[2], Int(base) + Int(length) > memoryBytes
        {
            throw GuestFault("\(name): buffer out of bounds of linear memory")
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
                    try Self.checkArguments(name, arguments, memoryBytes: memory.byteCount)
                    // A fault must not outlive this call, also when WASI throws after it.
                    defer { _ = takeFault() }
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
