import Foundation
import ServiceLifecycle

/// Ticks the scheduler's keep-alive bookkeeping: idle instances past their keep-alive stop, so
/// functions scale back to zero.
public struct KeepAliveReaper: Service {
    let scheduler: Scheduler
    let interval: Duration

    public init(scheduler: Scheduler, interval: Duration = .milliseconds(500)) {
        self.scheduler = scheduler
        self.interval = interval
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await Task.sleep(for: interval)
            await scheduler.reap()
        }
        await scheduler.shutdown()
    }
}
