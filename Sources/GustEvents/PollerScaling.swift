/// How many pollers one mapping runs, as a pure state machine: one poller long-polls an idle
/// queue (a wake-up per message, no spin); a full batch means a backlog, so another poller
/// starts, up to the limit; an empty receive while others run retires the poller that saw it.
public struct PollerScaling: Sendable, Equatable {
    public private(set) var active = 0
    public let limit: Int

    public enum Action: Sendable, Equatable {
        case none
        case startAnother
        case stop
    }

    public init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// The first poller.
    public mutating func start() -> Action {
        guard active == 0 else { return .none }
        active = 1
        return .startAnother
    }

    /// A poller's receive came back with `count` messages, `full` when it got all it asked for.
    public mutating func received(count: Int, full: Bool) -> Action {
        if count == 0 {
            guard active > 1 else { return .none }
            active -= 1
            return .stop
        }
        guard full, active < limit else { return .none }
        active += 1
        return .startAnother
    }
}
