import Synchronization

/// A request body a streaming service reads as it arrives (S3's uploads, up to 5 GB), already
/// checked by the gateway on the way: a declared payload hash, aws-chunked framing and chunk
/// signatures. A stream that fails the check throws from its iteration, so the service stores
/// nothing. Trailing headers (`x-amz-checksum-*` after an aws-chunked body) are in `trailers`
/// once the stream has ended.
public final class AWSBodyStream: AsyncSequence, Sendable {
    public typealias Element = [UInt8]
    private let chunks: AsyncThrowingStream<[UInt8], any Error>
    private let trailerStore = Mutex<[(name: String, value: String)]>([])
    /// The decoded length when known in advance (`Content-Length`, `x-amz-decoded-content-length`).
    public let length: Int?

    public init(length: Int?, chunks: AsyncThrowingStream<[UInt8], any Error>) {
        self.length = length
        self.chunks = chunks
    }

    /// A body that is already in memory.
    public convenience init(bytes: [UInt8]) {
        self.init(
            length: bytes.count,
            chunks: AsyncThrowingStream { continuation in
                if !bytes.isEmpty { continuation.yield(bytes) }
                continuation.finish()
            })
    }

    public func makeAsyncIterator() -> AsyncThrowingStream<[UInt8], any Error>.AsyncIterator { chunks.makeAsyncIterator() }

    public var trailers: [(name: String, value: String)] { trailerStore.withLock { $0 } }

    /// Called by whoever decodes the framing, before the stream finishes.
    public func setTrailers(_ trailers: [(name: String, value: String)]) { trailerStore.withLock { $0 = trailers } }

    /// The whole body, up to `limit` bytes (for the few requests of a streaming service that
    /// carry a small XML document).
    public func collect(limit: Int) async throws -> [UInt8]? {
        var bytes: [UInt8] = []
        for try await chunk in self {
            bytes += chunk
            if bytes.count > limit { return nil }
        }
        return bytes
    }
}

/// A response body that the gateway sends from a file (with `sendfile` where it can) or from a
/// stream, instead of one held in memory.
public enum AWSStreamedBody: Sendable {
    case file(path: String, offset: Int64, length: Int64)
    case stream(length: Int64, chunks: AsyncThrowingStream<[UInt8], any Error>)

    public var length: Int64 {
        switch self {
        case .file(_, _, let length), .stream(let length, _): length
        }
    }
}
