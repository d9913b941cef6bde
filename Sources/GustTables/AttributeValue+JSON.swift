import Foundation

/// DynamoDB JSON (`{"S": "x"}`, `{"N": "1.5"}`, `{"B": "<base64>"}`, …) to and from the
/// `[String: Any]` trees `JSONSerialization` reads and `JSONWriter` writes.
extension AttributeValue {
    /// Parses one value, with DynamoDB's validation messages for malformed ones.
    public init(json: Any) throws(TableError) {
        guard let object = json as? [String: Any] else {
            throw TableError(.serialization, "Start of structure or map found where not expected")
        }
        guard object.count == 1, let (type, value) = object.first else {
            throw .validation(
                "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes")
        }
        switch type {
        case "S":
            guard let s = value as? String else { throw Self.wrongShape(type) }
            self = .s(s)
        case "N":
            guard let s = value as? String else { throw Self.wrongShape(type) }
            self = .n(try DynamoNumber(s))
        case "B":
            self = .b(try Self.binary(value))
        case "BOOL":
            guard let b = value as? Bool, Self.isBool(value) else { throw Self.wrongShape(type) }
            self = .bool(b)
        case "NULL":
            guard let b = value as? Bool, Self.isBool(value) else { throw Self.wrongShape(type) }
            guard b else { throw .validation("One or more parameter values were invalid: Null attribute value types must have the value of true") }
            self = .null
        case "SS":
            guard let list = value as? [Any] else { throw Self.wrongShape(type) }
            var strings: [String] = []
            for element in list {
                guard let s = element as? String else { throw Self.wrongShape(type) }
                strings.append(s)
            }
            try Self.checkSet(strings, type)
            self = .ss(strings)
        case "NS":
            guard let list = value as? [Any] else { throw Self.wrongShape(type) }
            var numbers: [DynamoNumber] = []
            for element in list {
                guard let s = element as? String else { throw Self.wrongShape(type) }
                numbers.append(try DynamoNumber(s))
            }
            try Self.checkSet(numbers, type)
            self = .ns(numbers)
        case "BS":
            guard let list = value as? [Any] else { throw Self.wrongShape(type) }
            var blobs: [[UInt8]] = []
            for element in list { blobs.append(try Self.binary(element)) }
            try Self.checkSet(blobs, type)
            self = .bs(blobs)
        case "L":
            guard let list = value as? [Any] else { throw Self.wrongShape(type) }
            var values: [AttributeValue] = []
            values.reserveCapacity(list.count)
            for element in list { values.append(try AttributeValue(json: element)) }
            self = .l(values)
        case "M":
            guard let map = value as? [String: Any] else { throw Self.wrongShape(type) }
            self = .m(try Self.item(json: map))
        default:
            throw .validation(
                "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes")
        }
    }

    /// An item (`{"name": {"S": …}, …}`).
    public static func item(json: Any) throws(TableError) -> Item {
        guard let object = json as? [String: Any] else {
            throw TableError(.serialization, "Start of list found where not expected")
        }
        var item: Item = [:]
        item.reserveCapacity(object.count)
        for (name, value) in object { item[name] = try AttributeValue(json: value) }
        return item
    }

    /// The value in DynamoDB JSON.
    public var json: [String: Any] {
        switch self {
        case .s(let s): ["S": s]
        case .n(let n): ["N": n.description]
        case .b(let b): ["B": Data(b).base64EncodedString()]
        case .bool(let b): ["BOOL": b]
        case .null: ["NULL": true]
        case .ss(let v): ["SS": v]
        case .ns(let v): ["NS": v.map(\.description)]
        case .bs(let v): ["BS": v.map { Data($0).base64EncodedString() }]
        case .l(let v): ["L": v.map(\.json)]
        case .m(let v): ["M": Self.json(v)]
        }
    }

    public static func json(_ item: Item) -> [String: Any] {
        var out: [String: Any] = [:]
        out.reserveCapacity(item.count)
        for (name, value) in item { out[name] = value.json }
        return out
    }

    static func wrongShape(_ type: String) -> TableError {
        TableError(.serialization, "Unexpected value type in payload for \(type)")
    }

    /// JSONSerialization gives NSNumber for both true and 1, and `as? Bool` takes either; a
    /// parsed boolean is the one with a char's type code (JSON numbers come as `q` or `d`).
    static func isBool(_ value: Any) -> Bool {
        if value is Bool, !(value is NSNumber) { return true }
        guard let number = value as? NSNumber else { return false }
        return String(cString: number.objCType) == "c"
    }

    static func binary(_ value: Any) throws(TableError) -> [UInt8] {
        guard let text = value as? String else { throw wrongShape("B") }
        guard let data = Data(base64Encoded: text) else {
            throw TableError(.serialization, "Base64 encoded length is expected a multiple of 4 bytes but found: \(text.utf8.count)")
        }
        return Array(data)
    }

    static func checkSet<T: Hashable>(_ values: [T], _ type: String) throws(TableError) {
        guard !values.isEmpty else {
            throw .validation("One or more parameter values were invalid: An number set  may not be empty".replacingOccurrences(
                of: "An number set ", with: type == "SS" ? "An string set " : type == "NS" ? "An number set " : "Binary sets "))
        }
        guard Set(values).count == values.count else {
            throw .validation("One or more parameter values were invalid: Input collection \(values) contains duplicates.")
        }
    }
}
