/// One message a caller sends, as it came off the wire.
public struct SendEntry: Sendable {
    public var body: String
    public var delaySeconds: Int?
    public var attributes: [String: MessageAttributeValue]
    public var systemAttributes: [String: MessageAttributeValue]
    public var groupID: String?
    public var deduplicationID: String?

    public init(
        body: String, delaySeconds: Int? = nil, attributes: [String: MessageAttributeValue] = [:],
        systemAttributes: [String: MessageAttributeValue] = [:], groupID: String? = nil, deduplicationID: String? = nil
    ) {
        self.body = body
        self.delaySeconds = delaySeconds
        self.attributes = attributes
        self.systemAttributes = systemAttributes
        self.groupID = groupID
        self.deduplicationID = deduplicationID
    }
}
