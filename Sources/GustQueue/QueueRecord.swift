import Foundation

/// A queue as stored: its name, the attributes set on it (defaults are not stored, so a later
/// change of default reaches old queues) and its tags.
public struct QueueRecord: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var attributes: [String: String]
    public var tags: [String: String]
    public var createdAt: Date
    public var modifiedAt: Date

    public init(
        id: Int64, name: String, attributes: [String: String], tags: [String: String], createdAt: Date, modifiedAt: Date
    ) {
        self.id = id
        self.name = name
        self.attributes = attributes
        self.tags = tags
        self.createdAt = createdAt
        self.modifiedAt = modifiedAt
    }

    public var isFIFO: Bool { name.hasSuffix(".fifo") }
    public var settings: QueueSettings { QueueSettings(attributes) }
}
