import Foundation

/// Where object bytes live: blobs named by an id, written once and never changed. The embedded
/// store keeps them as files (`FileBackend`); a cluster would put them in an external S3-compatible
/// store behind the same protocol.
public protocol ObjectBackend: Sendable {
    /// Streams `chunks` into a new blob, feeding every byte to `digests`; the blob is durable and
    /// complete when this returns, and absent if it throws.
    func write<Chunks: AsyncSequence & Sendable>(_ chunks: Chunks, digests: BlobDigests) async throws(S3Error) -> String
    where Chunks.Element == [UInt8]
    /// A blob's bytes from `offset`, `length` of them, in chunks.
    func read(_ blobID: String, offset: Int64, length: Int64) -> AsyncThrowingStream<[UInt8], any Error>
    /// The blob as a file, when the backend keeps files (the gateway then sends it without copying).
    func filePath(_ blobID: String) -> String?
    func delete(_ blobID: String) async
    /// A new blob holding `parts` one after another (a completed multipart upload), durable when
    /// this returns; the parts stay as they are.
    func compose(_ parts: [(blobID: String, size: Int64)]) async throws(S3Error) -> String
    /// Every blob there is, to collect those nothing names after a crash.
    func blobIDs() async throws(S3Error) -> [String]
}

/// Runs blocking file work off the cooperative pool, which has only as many threads as cores.
enum BlockingIO {
    static let queue = DispatchQueue(label: "gust.objects.io", attributes: .concurrent)

    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }
}
