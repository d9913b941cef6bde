import Foundation

/// What a write does to the one item it names, decided from the item as it is inside the
/// write's transaction (so `ADD` and conditions never race).
public enum WriteDecision: Sendable {
    case put(Item)
    case delete
    /// A condition check only (TransactWriteItems' ConditionCheck), or nothing to change.
    case unchanged
}

/// One item write: the table, the item's full primary key, and the decision, called inside the
/// transaction with the item as stored (nil when absent). `decide` throws to refuse (a failed
/// condition); it must be quick and must not touch the store.
public struct ItemWrite: Sendable {
    public var table: TableDefinition
    public var key: Item
    public var decide: @Sendable (Item?) throws(TableError) -> WriteDecision

    public init(table: TableDefinition, key: Item, decide: @escaping @Sendable (Item?) throws(TableError) -> WriteDecision) {
        self.table = table
        self.key = key
        self.decide = decide
    }
}

/// What a committed write did: the item before and after (nil where absent).
public struct ItemChange: Sendable {
    public var old: Item?
    public var new: Item?
    public init(old: Item?, new: Item?) {
        self.old = old
        self.new = new
    }
}

/// A condition on the sort key, as a KeyConditionExpression allows.
public enum SortKeyCondition: Sendable, Equatable {
    case equal(AttributeValue)
    case less(AttributeValue)
    case lessOrEqual(AttributeValue)
    case greater(AttributeValue)
    case greaterOrEqual(AttributeValue)
    case between(AttributeValue, AttributeValue)
    case beginsWith(AttributeValue)
}

/// One page read from a table or an index, in key order.
public struct ItemRange: Sendable {
    /// nil reads the table itself.
    public var index: String?
    public var forward: Bool
    /// The last item of the previous page: the read starts after its key. For an index, the
    /// key holds the index's key attributes and the table's.
    public var exclusiveStart: Item?
    public var limit: Int

    public init(index: String? = nil, forward: Bool = true, exclusiveStart: Item? = nil, limit: Int) {
        self.index = index
        self.forward = forward
        self.exclusiveStart = exclusiveStart
        self.limit = limit
    }
}

/// A change as a stream record stores it (DynamoDB Streams' `Records[]`).
public struct StreamRecord: Sendable, Equatable {
    public enum EventName: String, Sendable { case insert = "INSERT", modify = "MODIFY", remove = "REMOVE" }
    /// Increasing within the stream; DynamoDB's `SequenceNumber` is its decimal text.
    public var sequenceNumber: Int64
    public var eventName: EventName
    public var keys: Item
    /// Present as the stream's view type asks.
    public var newImage: Item?
    public var oldImage: Item?
    public var sizeBytes: Int
    public var createdAt: Date
    /// TTL deletions: DynamoDB's `userIdentity` (Service, dynamodb.amazonaws.com).
    public var byTTL: Bool
    public var viewType: StreamSpecification.ViewType

    public init(
        sequenceNumber: Int64, eventName: EventName, keys: Item, newImage: Item?, oldImage: Item?, sizeBytes: Int,
        createdAt: Date, byTTL: Bool = false, viewType: StreamSpecification.ViewType
    ) {
        self.sequenceNumber = sequenceNumber
        self.eventName = eventName
        self.keys = keys
        self.newImage = newImage
        self.oldImage = oldImage
        self.sizeBytes = sizeBytes
        self.createdAt = createdAt
        self.byTTL = byTTL
        self.viewType = viewType
    }
}

/// A table's stream as stored: its ARN's label, and the table it belongs to (which may be gone:
/// a deleted table's stream stays readable for 24 hours, as in DynamoDB).
public struct StreamInfo: Sendable, Equatable {
    public var tableName: String
    public var label: String
    public var viewType: StreamSpecification.ViewType
    public var keySchema: KeySchema
    /// True while the table exists and the stream is its current one.
    public var enabled: Bool
    public var createdAt: Date
    public var firstSequence: Int64?
    public var lastSequence: Int64?

    public init(
        tableName: String, label: String, viewType: StreamSpecification.ViewType, keySchema: KeySchema, enabled: Bool,
        createdAt: Date, firstSequence: Int64?, lastSequence: Int64?
    ) {
        self.tableName = tableName
        self.label = label
        self.viewType = viewType
        self.keySchema = keySchema
        self.enabled = enabled
        self.createdAt = createdAt
        self.firstSequence = firstSequence
        self.lastSequence = lastSequence
    }

    public var arn: String { "arn:aws:dynamodb:\(TableDefinition.region):\(TableDefinition.account):table/\(tableName)/stream/\(label)" }
}

/// Where tables, their items, index entries and stream records live. Every method is one
/// transaction; what it returns is committed and durable. An item write, its index entries and
/// its stream record commit together. The PostgreSQL implementation (later) takes row locks
/// where SQLite's single writer serializes.
public protocol TableStore: Sendable {
    /// Stores a new table (assigning `id`); `.resourceInUse` when the name is taken.
    func createTable(_ table: TableDefinition) async throws(TableError) -> TableDefinition
    func table(named name: String) async throws(TableError) -> TableDefinition?
    /// Table names in order, after `after`, at most `limit`.
    func tableNames(after: String?, limit: Int) async throws(TableError) -> [String]
    /// Stores a changed definition. Index entries for an index that is new are built from the
    /// items in the same transaction; a removed index's entries are dropped. A new `streamLabel`
    /// starts a new stream; the old one stays readable until its records expire.
    func updateTable(_ table: TableDefinition) async throws(TableError)
    /// Removes the table, its items and index entries (its stream's records stay for 24 hours).
    func deleteTable(_ table: TableDefinition) async throws(TableError)
    /// The number of items and their total size (DescribeTable's ItemCount, TableSizeBytes).
    func itemStatistics(_ table: TableDefinition) async throws(TableError) -> (count: Int, bytes: Int)

    /// The item under `key` (the table's full primary key), or nil.
    func item(_ table: TableDefinition, key: Item) async throws(TableError) -> Item?
    /// Commits every write or none, with index entries and stream records. One write that
    /// throws rethrows its error. With several, every `decide` runs; if any throws, nothing is
    /// written and `.transactionCanceled` comes back with one reason per write (nil where it passed).
    func write(_ writes: [ItemWrite], now: Date) async throws(TableError) -> [ItemChange]
    /// Items whose hash key (of the table or of `range.index`) is `hash`, whose sort key meets
    /// `sortKey`, in sort-key order (reversed when not `forward`), at most `range.limit`.
    /// An index yields its projected attributes.
    func query(_ table: TableDefinition, hash: AttributeValue, sortKey: SortKeyCondition?, range: ItemRange) async throws(TableError) -> [Item]
    /// One segment's items (of `totalSegments`, split by hash key), in a stable order, at most `range.limit`.
    func scan(_ table: TableDefinition, segment: Int, totalSegments: Int, range: ItemRange) async throws(TableError) -> [Item]

    /// Streams of a table (or of every table), newest first, including those of deleted tables.
    func streams(tableName: String?) async throws(TableError) -> [StreamInfo]
    func stream(label: String, tableName: String) async throws(TableError) -> StreamInfo?
    /// Records after `after` (from the start when nil), in order, at most `limit`.
    func streamRecords(tableName: String, label: String, after: Int64?, limit: Int) async throws(TableError) -> [StreamRecord]

    /// Deletes items of TTL-enabled tables whose TTL attribute (epoch seconds) is before `now`,
    /// at most `limit`, with REMOVE stream records marked `byTTL`. Returns how many.
    func expireItems(now: Date, limit: Int) async throws(TableError) -> Int
    /// Drops stream records older than `before` (24 hours in DynamoDB).
    func trimStreams(before: Date) async throws(TableError) -> Int
}
