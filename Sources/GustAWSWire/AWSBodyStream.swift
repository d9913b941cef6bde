import Synchronization

/// A request body a streaming service reads as it arrives (S3's uploads, up to 5 GB), already
/// checked by the gateway on the way: a declared payload hash, aws-chunked framing and chunk
/// signatures. A body that fails a check throws (`AWSBodyError`) from its iteration, at the
/// latest at its end, so a service that commits only after the last chunk stores nothing.
/// Trailing headers (`x-amz-checksum-*` after an aws-chunked body) are in `trailers` once the
/// body has ended. Read by one reader, once: each chunk is pulled from the connection when the
/// reader asks for it, so a slow disk slows the client instead of filling memory.
public final class AWSBodyStream: AsyncSequence, Sendable {
    public typealias Element = [UInt8]
    private let pull: @Sendable () async throws -> [UInt8]?
    private let trailerStore = Mutex<[(name: String, value: String)]>([])
    /// The decoded length when known in advance (`Content-Length`, `x-amz-decoded-content-length`).
    public let length: Int?

    public init(length: Int?, pull: @escaping @Sendable () async throws -> [UInt8]?) {
        self.length = length
        self.pull = pull
    }

    /// A body that is already in memory.
    public convenience init(bytes: [UInt8]) {
        let remaining = Mutex<[UInt8]?>(bytes.isEmpty ? nil : bytes)
        self.init(length: bytes.count, pull: { remaining.withLock { state in defer { state = nil }; return state } })
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let pull: @Sendable () async throws -> [UInt8]?
        public mutating func next() async throws -> [UInt8]? { try await pull() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(pull: pull) }

    public var trailers: [(name: String, value: String)] { trailerStore.withLock { $0 } }

    /// Called by whoever decodes the framing, before the body ends.
    public func setTrailers(_ trailers: [(name: String, value: String)]) { trailerStore.withLock { $0 = trailers } }

    /// The whole body, up to `limit` bytes (for the few requests of a streaming service that
    /// carry a small XML document); nil when it is longer.
    public func collect(limit: Int) async throws -> [UInt8]? {
        var bytes: [UInt8] = []
        for try await chunk in self {
            bytes += chunk
            if bytes.count > limit { return nil }
        }
        return bytes
    }
}

/// Why a streamed body failed the gateway's checks, in the service's vocabulary: `code` is the
/// AWS error code (`XAmzContentSHA256Mismatch`, `SignatureDoesNotMatch`, `IncompleteBody`,
/// `EntityTooLarge`).
public struct AWSBodyError: Error, Sendable, Equatable {
    public var code: String
    public var message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }
}

/// A response body that the gateway sends from a file or from a stream, instead of one held in
/// memory.
public enum AWSStreamedBody: Sendable {
    case file(path: String, offset: Int64, length: Int64)
    case stream(length: Int64, chunks: AsyncThrowingStream<[UInt8], any Error>)

    public var length: Int64 {
        switch self {
        case .file(_, _, let length), .stream(let length, _): length
        }
    }
}
