import Foundation

/// A message on its way into a queue, checked and digested, with when it becomes visible.
public struct OutgoingMessage: Sendable {
    public var messageID: String
    public var body: String
    public var attributes: [String: MessageAttributeValue]
    public var systemAttributes: [String: MessageAttributeValue]
    public var md5OfBody: String
    public var md5OfAttributes: String?
    public var md5OfSystemAttributes: String?
    public var senderID: String
    public var sentAt: Date
    public var visibleAt: Date
    public var expiresAt: Date
    public var groupID: String?
    public var deduplicationID: String?
    /// FIFO: the key deduplication is checked on (the id, within the group when the queue
    /// deduplicates per group) and until when it holds.
    public var deduplication: (key: String, until: Date)?

    public init(
        messageID: String, body: String, attributes: [String: MessageAttributeValue],
        systemAttributes: [String: MessageAttributeValue], senderID: String, sentAt: Date, visibleAt: Date,
        expiresAt: Date, groupID: String? = nil, deduplicationID: String? = nil,
        deduplication: (key: String, until: Date)? = nil
    ) {
        self.messageID = messageID
        self.body = body
        self.attributes = attributes
        self.systemAttributes = systemAttributes
        self.md5OfBody = MessageMD5.body(body)
        self.md5OfAttributes = MessageMD5.attributes(attributes)
        self.md5OfSystemAttributes = MessageMD5.attributes(systemAttributes)
        self.senderID = senderID
        self.sentAt = sentAt
        self.visibleAt = visibleAt
        self.expiresAt = expiresAt
        self.groupID = groupID
        self.deduplicationID = deduplicationID
        self.deduplication = deduplication
    }
}

/// What the store answers for one sent message: its id and FIFO sequence number, which for a
/// deduplicated message are those of the message it repeats.
public struct SentMessage: Sendable, Equatable {
    public var messageID: String
    public var sequenceNumber: String?
    public var duplicate: Bool

    public init(messageID: String, sequenceNumber: String?, duplicate: Bool) {
        self.messageID = messageID
        self.sequenceNumber = sequenceNumber
        self.duplicate = duplicate
    }
}
