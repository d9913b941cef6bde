import Foundation

/// The type of a key attribute.
public enum ScalarType: String, Sendable, Codable, Hashable {
    case s = "S", n = "N", b = "B"
}

public struct KeyElement: Sendable, Codable, Hashable {
    public var name: String
    public var type: ScalarType
    public init(name: String, type: ScalarType) {
        self.name = name
        self.type = type
    }
}

/// A table's or an index's key: a partition (HASH) key and an optional sort (RANGE) key.
public struct KeySchema: Sendable, Codable, Hashable {
    public var hash: KeyElement
    public var range: KeyElement?
    public init(hash: KeyElement, range: KeyElement? = nil) {
        self.hash = hash
        self.range = range
    }
    public var names: [String] { [hash.name] + (range.map { [$0.name] } ?? []) }
}

public struct Projection: Sendable, Codable, Hashable {
    public enum Kind: String, Sendable, Codable { case all = "ALL", keysOnly = "KEYS_ONLY", include = "INCLUDE" }
    public var kind: Kind
    public var nonKeyAttributes: [String]
    public init(kind: Kind, nonKeyAttributes: [String] = []) {
        self.kind = kind
        self.nonKeyAttributes = nonKeyAttributes
    }
}

public struct ProvisionedThroughput: Sendable, Codable, Hashable {
    public var read: Int
    public var write: Int
    public init(read: Int, write: Int) {
        self.read = read
        self.write = write
    }
}

/// A global or local secondary index.
public struct SecondaryIndex: Sendable, Codable, Hashable {
    public var name: String
    public var global: Bool
    public var keySchema: KeySchema
    public var projection: Projection
    public var provisioned: ProvisionedThroughput?
    public init(name: String, global: Bool, keySchema: KeySchema, projection: Projection, provisioned: ProvisionedThroughput? = nil) {
        self.name = name
        self.global = global
        self.keySchema = keySchema
        self.projection = projection
        self.provisioned = provisioned
    }
}

public struct StreamSpecification: Sendable, Codable, Hashable {
    public enum ViewType: String, Sendable, Codable {
        case keysOnly = "KEYS_ONLY", newImage = "NEW_IMAGE", oldImage = "OLD_IMAGE", newAndOldImages = "NEW_AND_OLD_IMAGES"
    }
    public var viewType: ViewType
    public init(viewType: ViewType) { self.viewType = viewType }
}

/// A table as stored. `id` is the store's; `streamLabel` names the current stream (a new one
/// each time streams are enabled), nil while streams are off.
public struct TableDefinition: Sendable, Codable, Hashable {
    public var id: Int64
    public var name: String
    /// The table's UUID (`TableId`).
    public var tableID: String
    public var keySchema: KeySchema
    /// Every attribute named in a key of the table or of an index, with its type.
    public var attributeTypes: [String: ScalarType]
    public var indexes: [SecondaryIndex]
    public var billingMode: String
    public var provisioned: ProvisionedThroughput?
    public var stream: StreamSpecification?
    public var streamLabel: String?
    public var ttlAttribute: String?
    public var deletionProtection: Bool
    public var tags: [String: String]
    public var createdAt: Date

    public init(
        id: Int64 = 0, name: String, tableID: String = UUID().uuidString.lowercased(), keySchema: KeySchema,
        attributeTypes: [String: ScalarType], indexes: [SecondaryIndex] = [], billingMode: String = "PAY_PER_REQUEST",
        provisioned: ProvisionedThroughput? = nil, stream: StreamSpecification? = nil, streamLabel: String? = nil,
        ttlAttribute: String? = nil, deletionProtection: Bool = false, tags: [String: String] = [:], createdAt: Date = Date()
    ) {
        self.id = id
        self.name = name
        self.tableID = tableID
        self.keySchema = keySchema
        self.attributeTypes = attributeTypes
        self.indexes = indexes
        self.billingMode = billingMode
        self.provisioned = provisioned
        self.stream = stream
        self.streamLabel = streamLabel
        self.ttlAttribute = ttlAttribute
        self.deletionProtection = deletionProtection
        self.tags = tags
        self.createdAt = createdAt
    }

    public static let region = "us-east-1"
    public static let account = "000000000000"

    public var arn: String { "arn:aws:dynamodb:\(Self.region):\(Self.account):table/\(name)" }
    public var streamArn: String? { streamLabel.map { "\(arn)/stream/\($0)" } }
    public func index(named name: String) -> SecondaryIndex? { indexes.first { $0.name == name } }
}
