import Foundation
import GustCore
import GustStore
import Logging
import ServiceLifecycle
import Synchronization

/// Writes invocation records off the invocation path: a caller gets its response without waiting
/// for the disk, and records are written in batches. Readers call `flush()` first so that what
/// they see includes every finished invocation.
public final class InvocationRecorder: Service, Sendable {
    let log: any InvocationLog
    let logger: Logger
    private let stream: AsyncStream<Item>
    private let continuation: AsyncStream<Item>.Continuation

    enum Item: Sendable {
        case record(InvocationRecord)
        case flush(CheckedContinuation<Void, Never>)
    }

    public init(log: any InvocationLog, logger: Logger) {
        self.log = log
        self.logger = logger
        (stream, continuation) = AsyncStream.makeStream(of: Item.self)
    }

    public func submit(_ record: InvocationRecord) {
        continuation.yield(.record(record))
    }

    /// Returns once every record submitted before the call is stored.
    public func flush() async {
        await withCheckedContinuation { waiter in
            if case .terminated = continuation.yield(.flush(waiter)) { waiter.resume() }
        }
    }

    public func run() async throws {
        // Drain everything submitted before shutdown, then stop.
        await withGracefulShutdownHandler {
            for await item in stream {
                switch item {
                case .record(let record):
                    do { try await log.record(record) } catch {
                        logger.error("cannot store invocation record", metadata: ["request_id": "\(record.requestID)", "error": "\(error)"])
                    }
                case .flush(let waiter):
                    waiter.resume()
                }
            }
        } onGracefulShutdown: { [continuation] in
            continuation.finish()
        }
    }
}
