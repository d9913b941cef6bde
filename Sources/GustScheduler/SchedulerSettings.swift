import Foundation

public struct SchedulerSettings: Sendable {
    /// Seconds an idle instance lives when the function does not say.
    public var defaultKeepAlive: TimeInterval
    /// Instance cap of a version without reserved concurrency.
    public var defaultMaxInstances: Int
    /// Requests that may wait for a busy pool before the next one is throttled.
    public var maxWaitersPerPool: Int

    public init(
        defaultKeepAlive: TimeInterval = 300, defaultMaxInstances: Int = 32, maxWaitersPerPool: Int = 64
    ) {
        self.defaultKeepAlive = defaultKeepAlive
        self.defaultMaxInstances = defaultMaxInstances
        self.maxWaitersPerPool = maxWaitersPerPool
    }
}
