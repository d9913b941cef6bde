import Foundation

/// One DynamoDB attribute value. Numbers are exact decimals (`DynamoNumber`), never Doubles;
/// sets keep the order they arrived in (DynamoDB does not promise one) but compare as sets.
public indirect enum AttributeValue: Sendable, Hashable {
    case s(String)
    case n(DynamoNumber)
    case b([UInt8])
    case bool(Bool)
    case null
    case ss([String])
    case ns([DynamoNumber])
    case bs([[UInt8]])
    case l([AttributeValue])
    case m([String: AttributeValue])

    /// The type's descriptor in DynamoDB JSON (`S`, `N`, `B`, `BOOL`, `NULL`, `SS`, `NS`, `BS`, `L`, `M`).
    public var typeName: String {
        switch self {
        case .s: "S"
        case .n: "N"
        case .b: "B"
        case .bool: "BOOL"
        case .null: "NULL"
        case .ss: "SS"
        case .ns: "NS"
        case .bs: "BS"
        case .l: "L"
        case .m: "M"
        }
    }

    public static func == (lhs: AttributeValue, rhs: AttributeValue) -> Bool {
        switch (lhs, rhs) {
        case (.s(let a), .s(let b)): a == b
        case (.n(let a), .n(let b)): a == b
        case (.b(let a), .b(let b)): a == b
        case (.bool(let a), .bool(let b)): a == b
        case (.null, .null): true
        case (.ss(let a), .ss(let b)): Set(a) == Set(b)
        case (.ns(let a), .ns(let b)): Set(a) == Set(b)
        case (.bs(let a), .bs(let b)): Set(a) == Set(b)
        case (.l(let a), .l(let b)): a == b
        case (.m(let a), .m(let b)): a == b
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(typeName)
        switch self {
        case .s(let v): hasher.combine(v)
        case .n(let v): hasher.combine(v)
        case .b(let v): hasher.combine(v)
        case .bool(let v): hasher.combine(v)
        case .null: break
        case .ss(let v): hasher.combine(Set(v))
        case .ns(let v): hasher.combine(Set(v))
        case .bs(let v): hasher.combine(Set(v))
        case .l(let v): hasher.combine(v)
        case .m(let v): hasher.combine(v)
        }
    }
}

/// An item: attribute names to values.
public typealias Item = [String: AttributeValue]
