import Foundation

/// Where queues and their messages live. Every method is one transaction; what it returns is
/// committed. An implementation over a shared database claims messages the way
/// `SELECT … FOR UPDATE SKIP LOCKED` does, so several nodes (or pollers) never receive the same
/// message in the same visibility window.
public protocol QueueStore: Sendable {
    /// Creates the queue, or returns the one of that name (`created` false) for the caller to compare.
    func createQueue(
        name: String, attributes: [String: String], tags: [String: String], now: Date
    ) async throws(QueueError) -> (queue: QueueRecord, created: Bool)
    func queue(named name: String) async throws(QueueError) -> QueueRecord?
    /// Queues whose name starts with `prefix`, in name order, after `after`, at most `limit`.
    func queues(prefix: String, after: String?, limit: Int) async throws(QueueError) -> [QueueRecord]
    /// Stores `queue`'s attributes, tags and modification time.
    func updateQueue(_ queue: QueueRecord) async throws(QueueError)
    /// Removes the queue and every message in it.
    func deleteQueue(id: Int64) async throws(QueueError)
    func purge(queueID: Int64) async throws(QueueError)

    /// Stores the messages in order, skipping FIFO duplicates still within their window.
    func send(queueID: Int64, _ messages: [OutgoingMessage]) async throws(QueueError) -> [SentMessage]
    /// Claims up to `request.limit` visible messages for `request.visibility`.
    func receive(_ request: ReceiveRequest) async throws(QueueError) -> ReceiveOutcome
    /// Deletes the messages the receipts name; one already gone is no error.
    func delete(queueID: Int64, _ receipts: [ReceiptHandle]) async throws(QueueError)
    /// Sets when each received message becomes visible again, if it is in flight. Any of the
    /// message's receipts will do: AWS accepts an older one while the message is in flight.
    func changeVisibility(
        queueID: Int64, _ changes: [(receipt: ReceiptHandle, visibleAt: Date)], now: Date
    ) async throws(QueueError) -> [VisibilityChange]
    func counts(queueID: Int64, now: Date) async throws(QueueError) -> QueueCounts
    /// Drops messages past their retention period and deduplication entries past their window.
    func removeExpired(now: Date) async throws(QueueError) -> Int
}

public struct ReceiveRequest: Sendable {
    public var queueID: Int64
    public var fifo: Bool
    public var limit: Int
    public var visibility: TimeInterval
    public var now: Date
    /// The dead-letter queue's id and the receive count past which messages move there.
    public var deadLetter: (queueID: Int64, maxReceiveCount: Int, sourceArn: String)?

    public init(
        queueID: Int64, fifo: Bool, limit: Int, visibility: TimeInterval, now: Date,
        deadLetter: (queueID: Int64, maxReceiveCount: Int, sourceArn: String)? = nil
    ) {
        self.queueID = queueID
        self.fifo = fifo
        self.limit = limit
        self.visibility = visibility
        self.now = now
        self.deadLetter = deadLetter
    }
}

public struct ReceiveOutcome: Sendable {
    public var messages: [ReceivedMessage]
    /// When nothing was delivered: the earliest moment a message of the queue becomes visible
    /// (a delay or visibility timeout ending), for a long poll to sleep until.
    public var nextVisibleAt: Date?
    /// Messages moved to the dead-letter queue by this receive.
    public var deadLettered: Int

    public init(messages: [ReceivedMessage], nextVisibleAt: Date?, deadLettered: Int) {
        self.messages = messages
        self.nextVisibleAt = nextVisibleAt
        self.deadLettered = deadLettered
    }
}

public enum VisibilityChange: Sendable, Equatable {
    case changed
    /// The message exists but this receipt's visibility window is over (or it was never received).
    case notInFlight
    case notFound
}

public struct QueueCounts: Sendable, Equatable {
    public var visible: Int
    public var inFlight: Int
    public var delayed: Int

    public init(visible: Int, inFlight: Int, delayed: Int) {
        self.visible = visible
        self.inFlight = inFlight
        self.delayed = delayed
    }
}
