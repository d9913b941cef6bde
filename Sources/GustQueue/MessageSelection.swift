/// Which of a queue's visible messages, taken in order, one receive delivers: the pure rule
/// every store applies inside its transaction.
///
/// - FIFO: a group with a message in flight is skipped whole, so its order holds; messages of
///   a group that is free may go out together, in order.
/// - Redrive: a message already received `maxReceiveCount` times moves to the dead-letter queue
///   instead of being delivered again.
public struct MessageSelection: Sendable {
    public enum Decision: Sendable, Equatable { case deliver, deadLetter, skip }

    public let limit: Int
    public let fifo: Bool
    public let maxReceiveCount: Int?
    private var blockedGroups: Set<String>
    public private(set) var delivered = 0

    public init(limit: Int, fifo: Bool, groupsInFlight: Set<String>, maxReceiveCount: Int?) {
        self.limit = limit
        self.fifo = fifo
        self.blockedGroups = groupsInFlight
        self.maxReceiveCount = maxReceiveCount
    }

    public var isFull: Bool { delivered >= limit }

    /// The fate of the next visible message, given its group and how often it was received.
    public mutating func decide(groupID: String?, receiveCount: Int) -> Decision {
        if isFull { return .skip }
        if fifo, let groupID, blockedGroups.contains(groupID) { return .skip }
        if let maxReceiveCount, receiveCount >= maxReceiveCount { return .deadLetter }
        delivered += 1
        return .deliver
    }

    /// A group that must not deliver further in this receive (its earlier message could not go).
    public mutating func block(_ groupID: String) { blockedGroups.insert(groupID) }
}
