import Foundation

/// Writes the `[String: Any]` trees the AWS JSON services answer with. Hand-written for speed:
/// on Linux `JSONSerialization` bridges every value to an `NSObject` first, which cost a fifth
/// of SQS's CPU time per message (profiled with `Benchmarks/run.sh sqs`). Keys are sorted, so
/// answers are stable. A value of a type it does not know falls back to `JSONSerialization`.
public enum JSONWriter {
    public static func data(_ object: [String: Any]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(object, into: &out)
        return out
    }

    static func write(_ value: Any, into out: inout [UInt8]) {
        switch value {
        case let string as String: writeString(string, into: &out)
        case let object as [String: Any]: writeObject(object, into: &out)
        case let object as [String: String]: writeObject(object, into: &out)
        case let array as [[String: Any]]: writeArray(array, into: &out) { writeObject($0, into: &$1) }
        case let array as [String]: writeArray(array, into: &out) { writeString($0, into: &$1) }
        case let array as [Any]: writeArray(array, into: &out) { write($0, into: &$1) }
        case let bool as Bool: out += Array((bool ? "true" : "false").utf8)
        case let int as Int: out += Array(String(int).utf8)
        case let int as Int64: out += Array(String(int).utf8)
        case let double as Double:
            out += Array((double.isFinite ? (double == double.rounded() && abs(double) < 1e15 ? String(Int64(double)) : String(double)) : "null").utf8)
        case is NSNull: out += Array("null".utf8)
        default:
            // Anything else (an NSNumber from a parsed request, say) as Foundation writes it.
            if let data = try? JSONSerialization.data(withJSONObject: [value], options: [.fragmentsAllowed]), data.count >= 2 {
                out += data.dropFirst().dropLast()
            } else {
                out += Array("null".utf8)
            }
        }
    }

    static func writeArray<Element>(_ array: [Element], into out: inout [UInt8], _ element: (Element, inout [UInt8]) -> Void) {
        out.append(UInt8(ascii: "["))
        for (index, item) in array.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            element(item, &out)
        }
        out.append(UInt8(ascii: "]"))
    }

    static func writeObject<Value>(_ object: [String: Value], into out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        for (index, key) in object.keys.sorted().enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            writeString(key, into: &out)
            out.append(UInt8(ascii: ":"))
            write(object[key]!, into: &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    private static let hex = Array("0123456789abcdef".utf8)

    static func writeString(_ string: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x0A: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0D: out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x09: out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0..<0x20:
                out += [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
