import Foundation
import Synchronization
import WasmKit

/// The per-invocation context a reactor cannot read from its environment (fixed when the
/// instance started): host functions in the `gust` import module. Commands may use them too.
///
///     gust.request_id(ptr: i32, cap: i32) -> i32   copies the request id, returns its length
///     gust.deadline_ms() -> i64                    the deadline, in milliseconds since the epoch
final class CallContext: Sendable {
    private let state = Mutex<(requestID: [UInt8], deadlineMs: Int64)>(([], 0))

    func set(requestID: String, deadline: Date) {
        state.withLock { $0 = (Array(requestID.utf8), Int64(deadline.timeIntervalSince1970 * 1000)) }
    }

    func link(to imports: inout Imports, store: Store) {
        imports.define(
            module: WasmABI.hostModule, name: "request_id",
            Function(store: store, parameters: [.i32, .i32], results: [.i32]) { [self] caller, arguments in
                guard case .memory(let memory) = caller.instance?.export("memory") else {
                    throw GuestFault("gust.request_id needs an exported memory")
                }
                let id = state.withLock { $0.requestID }
                let pointer = Int(arguments[0].i32), capacity = Int(arguments[1].i32)
                let count = min(id.count, capacity)
                // Bounds are checked here: WasmKit's memory accessors stop the process on an
                // out-of-bounds access, and the pointer is the guest's to choose.
                guard pointer + count <= memory.byteCount else {
                    throw GuestFault("gust.request_id: buffer out of bounds of linear memory")
                }
                if count > 0 {
                    memory.withUnsafeMutableBufferPointer(offset: UInt(pointer), count: count) { buffer in
                        buffer.copyBytes(from: id[0..<count])
                    }
                }
                return [.i32(UInt32(id.count))]
            })
        imports.define(
            module: WasmABI.hostModule, name: "deadline_ms",
            Function(store: store, parameters: [], results: [.i64]) { [self] _, _ in
                [.i64(UInt64(bitPattern: state.withLock { $0.deadlineMs }))]
            })
    }
}

/// A guest misused a host function; reported as a trap.
struct GuestFault: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
