import Foundation
import GustCore
import GustStore
import Logging
import ServiceLifecycle
import Synchronization

/// Writes invocation records off the invocation path: a caller gets its response without waiting
/// for the disk, and whatever accumulated meanwhile is written in one transaction. Readers call
/// `flush()` first so that what they see includes every finished invocation.
public final class InvocationRecorder: Service, Sendable {
    let log: any InvocationLog
    let logger: Logger
    private let state = Mutex(State())
    private let wakeUps: AsyncStream<Void>
    private let wakeUp: AsyncStream<Void>.Continuation

    private struct State {
        var pending: [InvocationRecord] = []
        var flushWaiters: [CheckedContinuation<Void, Never>] = []
        var stopped = false
        /// Functions with records stored since `takeRecordedFunctions()` last ran.
        var recordedFunctions: Set<String> = []
    }

    static let gatherInterval = Duration.milliseconds(20)

    public init(log: any InvocationLog, logger: Logger) {
        self.log = log
        self.logger = logger
        (wakeUps, wakeUp) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    public func submit(_ record: InvocationRecord) {
        state.withLock { $0.pending.append(record) }
        wakeUp.yield()
    }

    /// Returns once every record submitted before the call is stored (or the recorder stopped).
    public func flush() async {
        await withCheckedContinuation { waiter in
            let stopped = state.withLock { state in
                if !state.stopped { state.flushWaiters.append(waiter) }
                return state.stopped
            }
            if stopped { waiter.resume() } else { wakeUp.yield() }
        }
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            for await _ in wakeUps {
                // Gather a few milliseconds of records into one transaction (one writer wake-up and
                // commit instead of one per invocation), unless a reader is waiting.
                if !state.withLock({ !$0.flushWaiters.isEmpty }) {
                    try? await Task.sleep(for: Self.gatherInterval)
                }
                await writePending()
            }
        } onGracefulShutdown: { [wakeUp] in
            wakeUp.finish()
        }
        // Whatever arrived during shutdown, then release every reader.
        await writePending()
        let waiters = state.withLock { state in
            state.stopped = true
            defer { state.flushWaiters = [] }
            return state.flushWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// The functions whose records were stored since the last call: retention looks at these often
    /// and at every function only now and then.
    public func takeRecordedFunctions() -> Set<String> {
        state.withLock { state in
            defer { state.recordedFunctions = [] }
            return state.recordedFunctions
        }
    }

    private func writePending() async {
        let (batch, waiters) = state.withLock { state in
            defer {
                state.pending = []
                state.flushWaiters = []
            }
            return (state.pending, state.flushWaiters)
        }
        if !batch.isEmpty {
            do {
                try await log.record(batch)
                var functions = Set<String>()
                for record in batch { functions.insert(record.functionName) }
                state.withLock { $0.recordedFunctions.formUnion(functions) }
            } catch {
                logger.error("cannot store invocation records", metadata: ["count": "\(batch.count)", "error": "\(error)"])
            }
        }
        for waiter in waiters { waiter.resume() }
    }
}
