/// CPU in proportion to memory, as on Lambda (1,769 MB buys one vCPU), applied as a cgroup quota
/// once an instance has initialised: like Lambda, init runs unthrottled, so a cold start does not
/// pay for a small memory setting.
///
/// `floorCores` is a deliberate difference from Lambda: a fractional quota (0.07 of a core at
/// 128 MB) makes every warm invocation of a small function wait for the next 100 ms period under
/// load, which on a laptop reads as a slow platform rather than a fair one. The default floor is a
/// whole core, so the quota binds only on what the memory setting promises beyond it; `0` gives
/// Lambda's exact proportion (`gust serve --cpu-floor`).
public struct CPUShare: Sendable, Equatable {
    public static let megabytesPerCore = 1769.0

    public var floorCores: Double

    public init(floorCores: Double = 1) { self.floorCores = floorCores }

    public func cores(memoryMB: Int) -> Double {
        max(floorCores, Double(memoryMB) / Self.megabytesPerCore)
    }
}
