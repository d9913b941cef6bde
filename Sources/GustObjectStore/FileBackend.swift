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
        let blobID = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
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

    public func delete(_ blobID: String) async {
        let path = path(blobID)
        _ = try? await BlockingIO.run { unlink(path) }
    }
}
