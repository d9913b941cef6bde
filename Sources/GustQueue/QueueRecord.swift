import Foundation

/// A queue as stored: its name, the attributes set on it (defaults are not stored, so a later
/// change of default reaches old queues) and its tags.
public struct QueueRecord: Sendable, Equatable {
    public var id: Int64
    public var name: String
    /// Set ones only; `settings` is kept in step with them, parsed once rather than on every use
    /// (the redrive policy is JSON).
    public var attributes: [String: String] {
        didSet { settings = QueueSettings(attributes) }
    }
    public private(set) var settings: QueueSettings
    public var tags: [String: String]
    public var createdAt: Date
    public var modifiedAt: Date

    public init(
        id: Int64, name: String, attributes: [String: String], tags: [String: String], createdAt: Date, modifiedAt: Date
    ) {
        self.id = id
        self.name = name
        self.attributes = attributes
        self.settings = QueueSettings(attributes)
        self.tags = tags
        self.createdAt = createdAt
        self.modifiedAt = modifiedAt
    }

    public var isFIFO: Bool { name.hasSuffix(".fifo") }
}
