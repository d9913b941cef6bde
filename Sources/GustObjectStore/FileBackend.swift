import Foundation
import GustAWSWire

/// Blobs as files under one directory: written to `tmp/` with fsync, then renamed into
/// `blobs/XX/ID` and the directory fsynced, so a crash leaves either the whole blob or a
/// temporary file (removed at the next start) and never half of one.
public final class FileBackend: ObjectBackend, Sendable {
    let root: String
    static let chunkSize = 256 * 1024

    public init(root: String) throws(S3Error) {
        self.root = root
        do {
            for directory in ["\(root)/tmp", "\(root)/blobs"] {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
            // Whatever was being written when the server stopped is not an object.
            for name in try FileManager.default.contentsOfDirectory(atPath: "\(root)/tmp") {
                try? FileManager.default.removeItem(atPath: "\(root)/tmp/\(name)")
            }
        } catch {
            throw .internalError("cannot prepare the object directory \(root): \(error)")
        }
    }

    func path(_ blobID: String) -> String { "\(root)/blobs/\(blobID.prefix(2))/\(blobID)" }

    public func filePath(_ blobID: String) -> String? { path(blobID) }

    public func write<Chunks: AsyncSequence & Sendable>(_ chunks: Chunks, digests: BlobDigests) async throws(S3Error) -> String
    where Chunks.Element == [UInt8] {
        let blobID = Self.newID()
        let temporary = "\(root)/tmp/\(blobID)"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .internalError("cannot create \(temporary): errno \(errno)") }
        var closed = false
        defer {
            if !closed { close(fd) }
        }
        do {
            var pending: [UInt8] = []
            pending.reserveCapacity(Self.chunkSize)
            for try await chunk in chunks {
                digests.update(chunk)
                pending += chunk
                if pending.count >= Self.chunkSize {
                    let batch = pending
                    try await BlockingIO.run { try Self.writeAll(fd, batch) }
                    pending.removeAll(keepingCapacity: true)
                }
            }
            let last = pending
            let final = path(blobID)
            let directory = (final as NSString).deletingLastPathComponent
            try await BlockingIO.run {
                try Self.writeAll(fd, last)
                guard fsync(fd) == 0 else { throw S3Error.internalError("fsync failed: errno \(errno)") }
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                guard rename(temporary, final) == 0 else { throw S3Error.internalError("rename failed: errno \(errno)") }
                Self.syncDirectory(directory)
            }
        } catch {
            unlink(temporary)
            if let error = error as? S3Error { throw error }
            if let error = error as? AWSBodyError { throw S3Error(S3Error.Code(rawValue: error.code) ?? .incompleteBody, error.message) }
            throw S3Error(.incompleteBody, "You did not provide the number of bytes specified by the Content-Length HTTP header.")
        }
        close(fd)
        closed = true
        return blobID
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                Foundation.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw S3Error.internalError("write failed: errno \(errno)")
            }
            offset += written
        }
    }

    static func syncDirectory(_ directory: String) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }

    public func read(_ blobID: String, offset: Int64, length: Int64) -> AsyncThrowingStream<[UInt8], any Error> {
        let path = path(blobID)
        return AsyncThrowingStream { continuation in
            BlockingIO.queue.async {
                let fd = open(path, O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else {
                    continuation.finish(throwing: S3Error.internalError("cannot open blob \(blobID): errno \(errno)"))
                    return
                }
                defer { close(fd) }
                var position = offset
                let end = offset + length
                var buffer = [UInt8](repeating: 0, count: Self.chunkSize)
                while position < end {
                    let want = Int(min(Int64(Self.chunkSize), end - position))
                    let got = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, want, off_t(position)) }
                    if got < 0 && errno == EINTR { continue }
                    guard got > 0 else {
                        continuation.finish(throwing: S3Error.internalError("short read of blob \(blobID)"))
                        return
                    }
                    continuation.yield(Array(buffer[0..<got]))
                    position += Int64(got)
                }
                continuation.finish()
            }
        }
    }

    /// Joined in the kernel (`copy_file_range`, which also shares extents where the file system can)
    /// rather than read and written through the process.
    public func compose(_ parts: [(blobID: String, size: Int64)]) async throws(S3Error) -> String {
        let blobID = Self.newID()
        let temporary = "\(root)/tmp/\(blobID)"
        let final = path(blobID)
        let sources = parts.map { (path($0.blobID), $0.size) }
        do {
            try await BlockingIO.run {
                let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
                guard fd >= 0 else { throw S3Error.internalError("cannot create \(temporary): errno \(errno)") }
                defer { close(fd) }
                for (source, size) in sources {
                    let input = open(source, O_RDONLY | O_CLOEXEC)
                    guard input >= 0 else { throw S3Error.internalError("cannot open part \(source): errno \(errno)") }
                    defer { close(input) }
                    try Self.copy(input, to: fd, count: size, name: source)
                }
                guard fsync(fd) == 0 else { throw S3Error.internalError("fsync failed: errno \(errno)") }
                let directory = (final as NSString).deletingLastPathComponent
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                guard rename(temporary, final) == 0 else { throw S3Error.internalError("rename failed: errno \(errno)") }
                Self.syncDirectory(directory)
            }
        } catch {
            unlink(temporary)
            throw (error as? S3Error) ?? .internalError("\(error)")
        }
        return blobID
    }

    /// `copy_file_range(2)`: glibc declares it only under `_GNU_SOURCE`, which Swift's Glibc module
    /// is not built with, so it is looked up by name.
    typealias CopyFileRange = @convention(c) (Int32, UnsafeMutablePointer<Int64>?, Int32, UnsafeMutablePointer<Int64>?, Int, UInt32) -> Int
    static let copyFileRange: CopyFileRange? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "copy_file_range")
        .map { unsafeBitCast($0, to: CopyFileRange.self) }

    /// Appends `count` bytes of `input` (from its offset) to `output`: in the kernel when it can,
    /// else through a buffer (a kernel without `copy_file_range`, or file systems it refuses).
    static func copy(_ input: Int32, to output: Int32, count: Int64, name: String) throws {
        var remaining = count
        if let copyFileRange {
            while remaining > 0 {
                let copied = copyFileRange(input, nil, output, nil, Int(min(remaining, 1 << 30)), 0)
                if copied < 0 && errno == EINTR { continue }
                if copied < 0 && (errno == ENOSYS || errno == EXDEV || errno == EINVAL || errno == EOPNOTSUPP) { break }
                guard copied > 0 else { throw S3Error.internalError("short copy of \(name): errno \(errno)") }
                remaining -= Int64(copied)
            }
        }
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        while remaining > 0 {
            let got = buffer.withUnsafeMutableBytes { Foundation.read(input, $0.baseAddress, Int(min(Int64(chunkSize), remaining))) }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { throw S3Error.internalError("short read of \(name): errno \(errno)") }
            try writeAll(output, Array(buffer[0..<got]))
            remaining -= Int64(got)
        }
    }

    public func blobIDs() async throws(S3Error) -> [String] {
        let blobs = "\(root)/blobs"
        do {
            return try await BlockingIO.run {
                try FileManager.default.contentsOfDirectory(atPath: blobs).flatMap { shard in
                    (try? FileManager.default.contentsOfDirectory(atPath: "\(blobs)/\(shard)")) ?? []
                }
            }
        } catch {
            throw .internalError("cannot list \(blobs): \(error)")
        }
    }

    static func newID() -> String { UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "") }

    /// `length` bytes at `offset`, read at once on the caller's thread; nil if the file is short
    /// or gone (the caller then streams, and reports the error there).
    static func readSmall(path: String, offset: Int64, length: Int) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: length)
        var done = 0
        while done < length {
            let got = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, length - done, off_t(offset) + off_t(done)) }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { return nil }
            done += got
        }
        return bytes
    }

    public func delete(_ blobID: String) async {
        let path = path(blobID)
        _ = try? await BlockingIO.run { unlink(path) }
    }
}
