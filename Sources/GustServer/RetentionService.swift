import Foundation
import GustStore
import Logging
import GustScheduler
import ServiceLifecycle

/// Deletes invocation records (and their logs) past the retention age or count.
struct RetentionService: Service {
    let log: any InvocationLog
    let recorder: InvocationRecorder
    let maxAge: TimeInterval
    let keepPerFunction: Int
    let logger: Logger
    /// Under sustained load there is as much to delete as to insert: the functions that were just
    /// recorded are trimmed to their count every second, so that the cost is spread evenly instead
    /// of arriving as a burst; age, and every function's count, are checked once a minute.
    static let countInterval = Duration.seconds(1)
    static let fullPassEvery = 60

    func run() async throws {
        var pass = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let removed: Int
                if pass % Self.fullPassEvery == 0 {
                    _ = recorder.takeRecordedFunctions()
                    removed = try await log.prune(olderThan: Date().addingTimeInterval(-maxAge), keepPerFunction: keepPerFunction)
                } else {
                    removed = try await log.prune(
                        functions: recorder.takeRecordedFunctions().sorted(), keepPerFunction: keepPerFunction)
                }
                if removed > 0 { logger.debug("pruned invocation records", metadata: ["count": "\(removed)"]) }
            } catch {
                logger.error("cannot prune invocation records", metadata: ["error": "\(error)"])
            }
            pass += 1
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: Self.countInterval) }
        }
    }
}
