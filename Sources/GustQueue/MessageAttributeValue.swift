/// A message attribute: a type (`String`, `Number`, `Binary`, each with an optional `.custom`
/// suffix) and a string or binary value.
public struct MessageAttributeValue: Sendable, Equatable, Codable {
    public var dataType: String
    public var stringValue: String?
    public var binaryValue: [UInt8]?

    public init(dataType: String, stringValue: String? = nil, binaryValue: [UInt8]? = nil) {
        self.dataType = dataType
        self.stringValue = stringValue
        self.binaryValue = binaryValue
    }

    /// `Binary…` travels as bytes; `String…` and `Number…` as UTF-8 text.
    public var isBinary: Bool { dataType.hasPrefix("Binary") }

    /// What the attribute counts toward the message size limit (name counted by the caller).
    var size: Int { dataType.utf8.count + (stringValue?.utf8.count ?? 0) + (binaryValue?.count ?? 0) }
}
