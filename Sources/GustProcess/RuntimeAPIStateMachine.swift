/// The conversation between Gust and one process speaking the Lambda Runtime API, as a pure state
/// machine: the instance actor feeds it events (the runtime polled `next`, an invocation arrived, a
/// response was posted, the process exited) and performs the actions it returns. Timing and I/O stay
/// in the actor so every transition is unit-tested without processes or sockets.
public struct RuntimeAPIStateMachine: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        /// Spawned; the runtime has not asked for its first event yet.
        case initializing
        /// The runtime is between events (or parked in `next`).
        case ready
        /// An event was delivered and its result is awaited.
        case busy(requestID: String)
        case dead
    }

    public private(set) var state: State = .initializing
    /// A `next` request is parked waiting for an event.
    public private(set) var pollerParked = false
    /// An invocation accepted before the runtime polled for it.
    public private(set) var pending: String?

    public init() {}

    public enum NextAction: Sendable, Equatable {
        /// Answer the poll with this invocation now.
        case deliver(requestID: String, firstPoll: Bool)
        /// Hold the poll until an invocation arrives.
        case park(firstPoll: Bool)
        /// The instance is dead: fail the poll.
        case reject
    }

    public mutating func nextRequested() -> NextAction {
        switch state {
        case .dead:
            return .reject
        case .initializing, .ready, .busy:
            // A poll while busy means the runtime dropped the in-flight event without answering;
            // the invocation still waits for its own deadline, as in Lambda.
            let firstPoll = state == .initializing
            if case .busy = state {} else { state = .ready }
            if let requestID = pending, state == .ready {
                pending = nil
                state = .busy(requestID: requestID)
                return .deliver(requestID: requestID, firstPoll: firstPoll)
            }
            pollerParked = true
            return .park(firstPoll: firstPoll)
        }
    }

    public enum InvokeAction: Sendable, Equatable {
        case deliverToParkedPoller
        case holdUntilPolled
        /// The instance cannot take it (dead, or already has one): the scheduler made a mistake or
        /// the process died in between.
        case reject
    }

    public mutating func invokeRequested(requestID: String) -> InvokeAction {
        guard pending == nil else { return .reject }
        switch state {
        case .dead, .busy:
            return .reject
        case .initializing:
            pending = requestID
            return .holdUntilPolled
        case .ready:
            if pollerParked {
                pollerParked = false
                state = .busy(requestID: requestID)
                return .deliverToParkedPoller
            }
            pending = requestID
            return .holdUntilPolled
        }
    }

    public enum ResultAction: Sendable, Equatable {
        case complete(requestID: String)
        case unknownRequestID
    }

    /// The runtime posted `response` or `error` for `requestID`.
    public mutating func resultPosted(requestID: String) -> ResultAction {
        guard case .busy(let current) = state, current == requestID else { return .unknownRequestID }
        state = .ready
        return .complete(requestID: requestID)
    }

    /// The runtime could not initialise. Returns the invocation that was waiting for it, if any.
    public mutating func initErrorPosted() -> String? {
        let waiting = pending
        pending = nil
        pollerParked = false
        state = .dead
        return waiting
    }

    /// The invocation in flight (or waiting for init) ran past its deadline; returns whether the
    /// instance must be killed for it.
    public mutating func deadlinePassed(requestID: String) -> Bool {
        switch state {
        case .busy(let current) where current == requestID:
            state = .dead
            return true
        case .initializing where pending == requestID, .ready where pending == requestID:
            pending = nil
            state = .dead
            return true
        default:
            return false
        }
    }

    /// The process is gone. Returns the invocation that was in flight or waiting, to be failed.
    public mutating func processExited() -> String? {
        var affected: String?
        if case .busy(let current) = state { affected = current } else { affected = pending }
        pending = nil
        pollerParked = false
        state = .dead
        return affected
    }

    public var isDead: Bool { state == .dead }
}
