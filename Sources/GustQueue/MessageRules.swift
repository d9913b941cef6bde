import Foundation

/// SQS's checks on a message's body and attributes.
enum MessageRules {
    static let maxAttributes = 10

    /// Body characters SQS accepts: #x9 | #xA | #xD | #x20–#xD7FF | #xE000–#xFFFD | #x10000–#x10FFFF.
    static func checkBody(_ body: String) throws(QueueError) {
        if body.isEmpty { throw QueueError(.missingParameter, "The request must contain the parameter MessageBody.") }
        for scalar in body.unicodeScalars {
            let value = scalar.value
            let valid =
                value == 0x9 || value == 0xA || value == 0xD || (0x20...0xD7FF).contains(value)
                || (0xE000...0xFFFD).contains(value) || (0x10000...0x10FFFF).contains(value)
            if !valid {
                throw QueueError(
                    .invalidMessageContents,
                    "Invalid characters found. Valid values are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF")
            }
        }
    }

    /// Checks names, types and values; returns the bytes the attributes count toward the size limit.
    static func checkAttributes(_ attributes: [String: MessageAttributeValue]) throws(QueueError) -> Int {
        if attributes.count > maxAttributes {
            throw QueueError(
                .invalidParameterValue,
                "Number of message attributes [\(attributes.count)] exceeds the allowed maximum [\(maxAttributes)].")
        }
        var size = 0
        for (name, value) in attributes {
            try checkName(name)
            try checkValue(name, value)
            size += name.utf8.count + value.size
        }
        return size
    }

    static func checkSystemAttributes(_ attributes: [String: MessageAttributeValue]) throws(QueueError) {
        for (name, value) in attributes {
            guard name == "AWSTraceHeader" else {
                throw QueueError(.invalidParameterValue, "Message system attribute name '\(name)' is invalid.")
            }
            guard value.dataType == "String", let string = value.stringValue, !string.isEmpty else {
                throw QueueError(
                    .invalidParameterValue, "Message system attribute '\(name)' must be of type String with a non-empty value.")
            }
        }
    }

    private static func checkName(_ name: String) throws(QueueError) {
        let lower = name.lowercased()
        let allowed = name.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-")
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
        }
        guard !name.isEmpty, name.utf8.count <= 256, allowed, !name.hasPrefix("."), !name.hasSuffix("."),
            !name.contains(".."), !lower.hasPrefix("aws."), !lower.hasPrefix("amazon.")
        else {
            throw QueueError(
                .invalidParameterValue,
                "The message attribute name '\(name)' is invalid. Attribute name can contain A-Z, a-z, 0-9, underscore (_), hyphen (-), and period (.) characters.")
        }
    }

    private static func checkValue(_ name: String, _ value: MessageAttributeValue) throws(QueueError) {
        let type = value.dataType
        let base = type.split(separator: ".", maxSplits: 1).first.map(String.init) ?? ""
        guard ["String", "Number", "Binary"].contains(base), type.utf8.count <= 256,
            type == base || (type.count > base.count + 1 && type.dropFirst(base.count).hasPrefix("."))
        else {
            throw QueueError(
                .invalidParameterValue,
                type.isEmpty
                    ? "The message attribute '\(name)' must contain non-empty message attribute type."
                    : "The message attribute '\(name)' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.")
        }
        if base == "Binary" {
            guard let bytes = value.binaryValue, !bytes.isEmpty, value.stringValue == nil else {
                throw QueueError(
                    .invalidParameterValue,
                    "The message attribute '\(name)' with type 'Binary' must use field 'Binary'.")
            }
            return
        }
        guard let string = value.stringValue, !string.isEmpty, value.binaryValue == nil else {
            throw QueueError(
                .invalidParameterValue,
                "The message attribute '\(name)' must contain non-empty message attribute value for message attribute type '\(base)'.")
        }
        if base == "Number" {
            guard string.wholeMatch(of: /[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/) != nil,
                string.filter(\.isNumber).count <= 38, let number = Decimal(string: string),
                abs(number) < Decimal(sign: .plus, exponent: 126, significand: 1)
            else {
                throw QueueError(.invalidParameterValue, "Can't cast message attribute '\(name)' value '\(string)' to number.")
            }
        }
        try checkBody(string)
    }
}
