import Foundation
import GustStore
import Logging
import ServiceLifecycle

/// Deletes invocation records (and their logs) past the retention age or count.
struct RetentionService: Service {
    let log: any InvocationLog
    let maxAge: TimeInterval
    let keepPerFunction: Int
    let logger: Logger
    /// Often, so that each pass is short: under sustained load there is as much to delete as to
    /// insert, and spreading it keeps the cost even instead of a stall once a minute.
    static let interval = 10.0

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let removed = try await log.prune(olderThan: Date().addingTimeInterval(-maxAge), keepPerFunction: keepPerFunction)
                if removed > 0 { logger.info("pruned invocation records", metadata: ["count": "\(removed)"]) }
            } catch {
                logger.error("cannot prune invocation records", metadata: ["error": "\(error)"])
            }
            try? await gracefulShutdown(for: Self.interval)
        }
    }

    private func gracefulShutdown(for seconds: Double) async throws {
        try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(seconds)) }
    }
}
