import Foundation
import Logging
import ServiceLifecycle

/// Drops messages past their retention period and FIFO deduplication entries past their window,
/// once a minute. Receives already skip expired messages; this only reclaims their space.
public struct QueueMaintenance: Service {
    let store: any QueueStore
    let interval: Duration
    let logger: Logger

    public init(store: any QueueStore, interval: Duration = .seconds(60), logger: Logger) {
        self.store = store
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let removed = try await store.removeExpired(now: Date())
                if removed > 0 { logger.info("expired queue messages removed", metadata: ["count": "\(removed)"]) }
            } catch {
                logger.error("queue maintenance failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
