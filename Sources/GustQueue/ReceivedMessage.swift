import Foundation

/// A message handed to a receiver, with the receipt that names this receive.
public struct ReceivedMessage: Sendable {
    public var messageID: String
    public var receipt: ReceiptHandle
    public var body: String
    public var attributes: [String: MessageAttributeValue]
    public var systemAttributes: [String: MessageAttributeValue]
    public var md5OfBody: String
    public var md5OfAttributes: String?
    public var senderID: String
    public var sentAt: Date
    public var receiveCount: Int
    public var firstReceivedAt: Date
    public var groupID: String?
    public var deduplicationID: String?
    public var sequenceNumber: String?
    /// The queue a dead-lettered message came from.
    public var deadLetterSourceArn: String?

    public init(
        messageID: String, receipt: ReceiptHandle, body: String, attributes: [String: MessageAttributeValue],
        systemAttributes: [String: MessageAttributeValue], md5OfBody: String, md5OfAttributes: String?, senderID: String,
        sentAt: Date, receiveCount: Int, firstReceivedAt: Date, groupID: String?, deduplicationID: String?,
        sequenceNumber: String?, deadLetterSourceArn: String?
    ) {
        self.messageID = messageID
        self.receipt = receipt
        self.body = body
        self.attributes = attributes
        self.systemAttributes = systemAttributes
        self.md5OfBody = md5OfBody
        self.md5OfAttributes = md5OfAttributes
        self.senderID = senderID
        self.sentAt = sentAt
        self.receiveCount = receiveCount
        self.firstReceivedAt = firstReceivedAt
        self.groupID = groupID
        self.deduplicationID = deduplicationID
        self.sequenceNumber = sequenceNumber
        self.deadLetterSourceArn = deadLetterSourceArn
    }

    /// FIFO sequence numbers: the store's ever-increasing sequence, 20 digits as AWS shows them.
    public static func sequenceNumber(_ seq: Int64) -> String {
        let digits = String(seq)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits
    }
}
