import Foundation

/// Reading SQS JSON requests: typed fields with SQS's errors for missing or mistyped ones.
enum SQSWire {
    static func object(_ body: [UInt8]) throws(QueueError) -> [String: Any] {
        if body.isEmpty { return [:] }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else {
            throw QueueError(.serialization, "Start of structure or map found where not expected, or the body is not valid JSON.")
        }
        return object
    }

    static func string(_ object: [String: Any], _ key: String) throws(QueueError) -> String? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let string = value as? String else {
            throw QueueError(.serialization, "Value for \(key) must be a string.")
        }
        return string
    }

    static func required(_ object: [String: Any], _ key: String) throws(QueueError) -> String {
        guard let value = try string(object, key) else {
            throw QueueError(.missingParameter, "The request must contain the parameter \(key).")
        }
        return value
    }

    static func int(_ object: [String: Any], _ key: String) throws(QueueError) -> Int? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        if let number = value as? NSNumber, number.doubleValue == number.doubleValue.rounded(), abs(number.doubleValue) < 1e15 {
            return number.intValue
        }
        if let string = value as? String, let number = Int(string) { return number }
        throw QueueError(.serialization, "Value for \(key) must be an integer.")
    }

    static func stringMap(_ object: [String: Any], _ key: String) throws(QueueError) -> [String: String] {
        guard let value = object[key], !(value is NSNull) else { return [:] }
        guard let map = value as? [String: Any] else { throw QueueError(.serialization, "Value for \(key) must be a map.") }
        var result: [String: String] = [:]
        for (name, entry) in map {
            switch entry {
            case let string as String: result[name] = string
            case let number as NSNumber: result[name] = number.stringValue
            default: throw QueueError(.serialization, "Values of \(key) must be strings.")
            }
        }
        return result
    }

    static func strings(_ object: [String: Any], _ key: String) throws(QueueError) -> [String] {
        guard let value = object[key], !(value is NSNull) else { return [] }
        guard let list = value as? [String] else { throw QueueError(.serialization, "Value for \(key) must be a list of strings.") }
        return list
    }

    static func entries(_ object: [String: Any], _ key: String) throws(QueueError) -> [[String: Any]] {
        guard let value = object[key], !(value is NSNull) else { return [] }
        guard let list = value as? [[String: Any]] else { throw QueueError(.serialization, "Value for \(key) must be a list of structures.") }
        return list
    }

    /// `{name: {DataType, StringValue | BinaryValue (base64)}}`.
    static func messageAttributes(_ object: [String: Any], _ key: String) throws(QueueError) -> [String: MessageAttributeValue] {
        guard let value = object[key], !(value is NSNull) else { return [:] }
        guard let map = value as? [String: Any] else { throw QueueError(.serialization, "Value for \(key) must be a map.") }
        var result: [String: MessageAttributeValue] = [:]
        for (name, entry) in map {
            guard let fields = entry as? [String: Any] else {
                throw QueueError(.serialization, "Message attribute \(name) must be a structure.")
            }
            let dataType = try string(fields, "DataType") ?? ""
            var binary: [UInt8]?
            if let text = try string(fields, "BinaryValue") {
                guard let data = Data(base64Encoded: text) else {
                    throw QueueError(.invalidParameterValue, "The message attribute '\(name)' has an invalid binary value.")
                }
                binary = Array(data)
            }
            if fields["StringListValues"] != nil || fields["BinaryListValues"] != nil {
                throw QueueError(.invalidParameterValue, "Message attribute list values in SendMessage operation are not supported.")
            }
            result[name] = MessageAttributeValue(dataType: dataType, stringValue: try string(fields, "StringValue"), binaryValue: binary)
        }
        return result
    }

    static func wire(_ attributes: [String: MessageAttributeValue]) -> [String: Any] {
        attributes.mapValues { value in
            var object: [String: Any] = ["DataType": value.dataType]
            if let string = value.stringValue { object["StringValue"] = string }
            if let binary = value.binaryValue { object["BinaryValue"] = Data(binary).base64EncodedString() }
            return object
        }
    }

    /// A batch's entries: 1–10, distinct ids of `[A-Za-z0-9_-]{1,80}`.
    static func checkBatch(_ entries: [[String: Any]], entryName: String) throws(QueueError) -> [String] {
        if entries.isEmpty {
            throw QueueError(.emptyBatchRequest, "There should be at least one \(entryName) in the request.")
        }
        if entries.count > 10 {
            throw QueueError(
                .tooManyEntriesInBatchRequest, "Maximum number of entries per request are 10. You have sent \(entries.count).")
        }
        var ids: [String] = []
        for entry in entries {
            let id = try required(entry, "Id")
            let valid =
                !id.isEmpty && id.utf8.count <= 80
                && id.utf8.allSatisfy { byte in
                    (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                        || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
                }
            guard valid else {
                throw QueueError(
                    .invalidBatchEntryId,
                    "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.")
            }
            if ids.contains(id) { throw QueueError(.batchEntryIdsNotDistinct, "Id \(id) repeated.") }
            ids.append(id)
        }
        return ids
    }

    static func failure(_ id: String, _ error: QueueError) -> [String: Any] {
        ["Id": id, "SenderFault": error.status < 500, "Code": error.queryCode ?? error.code.rawValue, "Message": error.message]
    }
}
