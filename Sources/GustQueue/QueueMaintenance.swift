import Foundation
import Logging
import ServiceLifecycle

/// The queues' housekeeping while the server runs: drops messages past their retention period and
/// FIFO deduplication entries past their window, once a minute (receives already skip expired
/// messages; this reclaims their space), and at graceful shutdown ends the long polls, which would
/// otherwise hold the HTTP server's drain for up to 20 s. Listed after the HTTP application in the
/// service group, so it hears of the shutdown first.
public struct QueueMaintenance: Service {
    let queues: QueueService
    let interval: Duration
    let logger: Logger

    public init(queues: QueueService, interval: Duration = .seconds(60), logger: Logger) {
        self.queues = queues
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let removed = try await queues.store.removeExpired(now: Date())
                if removed > 0 { logger.info("expired queue messages removed", metadata: ["count": "\(removed)"]) }
            } catch {
                logger.error("queue maintenance failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
        queues.wakeups.stopWaiting()
    }
}
