// Written by hand: WasmKit's WASI stdio is backed by host file descriptors, and piping every
// invocation's event and output through the kernel would cost syscalls and risk a full pipe
// blocking the guest. These in-memory streams implement WasmKit's `WASIFile` seam instead.
@_spi(WASIPlatform) import WASI
import Synchronization

/// Standard input: the invocation's event. A reactor instance gets a new event before each call.
final class EventInput: WASIFile {
    let memoryGuard: MemoryGuard
    private let state = Mutex<(bytes: [UInt8], offset: Int)>(([], 0))

    init(memoryGuard: MemoryGuard) {
        self.memoryGuard = memoryGuard
    }

    func reset(_ bytes: [UInt8]) {
        state.withLock { $0 = (bytes, 0) }
    }

    func read(into buffers: GuestBuffers) throws -> WASIAbi.Size {
        try state.withLock { state in
            var total = 0
            for index in 0..<buffers.count {
                if state.offset >= state.bytes.count || memoryGuard.faulted { break }
                total += try buffers.withHostBuffer(at: index) { buffer in
                    let count = min(buffer.count, state.bytes.count - state.offset)
                    state.bytes.withUnsafeBytes { source in
                        buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[state.offset..<state.offset + count]))
                    }
                    state.offset += count
                    return count
                }
            }
            return WASIAbi.Size(total)
        }
    }

    func write(vectored buffers: GuestBuffers) throws -> WASIAbi.Size { throw WASIAbi.Errno.EBADF }
    func fdStat() throws -> WASIAbi.FdStat { Self.streamStat(rights: .FD_READ) }
}

/// Standard output or error, kept in memory up to a cap. Past the cap, writes still succeed (a
/// guest that checks for short writes would otherwise spin) but the bytes are counted, not kept.
final class OutputCapture: WASIFile {
    let limit: Int
    let memoryGuard: MemoryGuard
    private let state = Mutex<(bytes: [UInt8], overflow: Int)>(([], 0))

    init(limit: Int, memoryGuard: MemoryGuard) {
        self.limit = limit
        self.memoryGuard = memoryGuard
    }

    /// Hands over what was written since the last call and how many bytes did not fit.
    func take() -> (bytes: [UInt8], overflow: Int) {
        state.withLock { state in
            defer { state = ([], 0) }
            return state
        }
    }

    func write(vectored buffers: GuestBuffers) throws -> WASIAbi.Size {
        try state.withLock { state in
            var total = 0
            // A faulted buffer ends the call: the guest traps when it returns, and a huge iovec
            // count must not keep the host looping meanwhile.
            for index in 0..<buffers.count where !memoryGuard.faulted {
                total += try buffers.withHostBuffer(at: index) { buffer in
                    let room = max(0, limit - state.bytes.count)
                    let kept = min(room, buffer.count)
                    if kept > 0 { state.bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[0..<kept])) }
                    state.overflow += buffer.count - kept
                    return buffer.count
                }
            }
            return WASIAbi.Size(total)
        }
    }

    func read(into buffers: GuestBuffers) throws -> WASIAbi.Size { throw WASIAbi.Errno.EBADF }
    func fdStat() throws -> WASIAbi.FdStat { Self.streamStat(rights: .FD_WRITE) }
}

/// What the in-memory streams answer to every call that does not move bytes: they behave as
/// character devices, like a terminal or a pipe.
protocol StreamDefaults: WASIFile {}

extension StreamDefaults {
    static func streamStat(rights: WASIAbi.Rights) -> WASIAbi.FdStat {
        WASIAbi.FdStat(fsFileType: .CHARACTER_DEVICE, fsFlags: [], fsRightsBase: rights, fsRightsInheriting: [])
    }

    var isBorrowed: Bool { true }
    func attributes() throws -> WASIAbi.Filestat {
        WASIAbi.Filestat(dev: 0, ino: 0, filetype: .CHARACTER_DEVICE, nlink: 1, size: 0, atim: 0, mtim: 0, ctim: 0)
    }
    func fileType() throws -> WASIAbi.FileType { .CHARACTER_DEVICE }
    func status() throws -> WASIAbi.Fdflags { [] }
    func setTimes(atim: WASIAbi.Timestamp, mtim: WASIAbi.Timestamp, fstFlags: WASIAbi.FstFlags) throws {}
    func advise(offset: WASIAbi.FileSize, length: WASIAbi.FileSize, advice: WASIAbi.Advice) throws {}
    func close() throws {}
    func setFdStatFlags(_ flags: WASIAbi.Fdflags) throws {}
    func setFilestatSize(_ size: WASIAbi.FileSize) throws { throw WASIAbi.Errno.EINVAL }
    func sync() throws {}
    func datasync() throws {}
    func tell() throws -> WASIAbi.FileSize { throw WASIAbi.Errno.ESPIPE }
    func seek(offset: WASIAbi.FileDelta, whence: WASIAbi.Whence) throws -> WASIAbi.FileSize { throw WASIAbi.Errno.ESPIPE }
    func pwrite(vectored buffers: GuestBuffers, offset: WASIAbi.FileSize) throws -> WASIAbi.Size { throw WASIAbi.Errno.ESPIPE }
    func pread(into buffers: GuestBuffers, offset: WASIAbi.FileSize) throws -> WASIAbi.Size { throw WASIAbi.Errno.ESPIPE }
}

extension EventInput: StreamDefaults {}
extension OutputCapture: StreamDefaults {}
