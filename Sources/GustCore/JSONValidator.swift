/// Checks that bytes are one JSON value (RFC 8259) without building it: the Invoke path only
/// needs to refuse what is not JSON, and building Foundation objects for every event showed in
/// profiles. Hand-written because no available library validates without allocating.
public enum JSONValidator {
    public static func isValid(_ bytes: [UInt8]) -> Bool {
        var parser = Parser(bytes: bytes)
        parser.skipWhitespace()
        guard parser.value(depth: 0) else { return false }
        parser.skipWhitespace()
        return parser.index == bytes.count
    }

    /// Deeper nesting is refused rather than recursed into (a hostile payload must not exhaust the stack).
    static let maxDepth = 512

    struct Parser {
        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        var current: UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func skipWhitespace() {
            while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
        }

        mutating func literal(_ word: StaticString) -> Bool {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count else { return false }
            for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { return false }
            index += count
            return true
        }

        mutating func value(depth: Int) -> Bool {
            guard depth < JSONValidator.maxDepth, let byte = current else { return false }
            switch byte {
            case UInt8(ascii: "{"): return object(depth: depth)
            case UInt8(ascii: "["): return array(depth: depth)
            case UInt8(ascii: "\""): return string()
            case UInt8(ascii: "t"): return literal("true")
            case UInt8(ascii: "f"): return literal("false")
            case UInt8(ascii: "n"): return literal("null")
            default: return number()
            }
        }

        mutating func object(depth: Int) -> Bool {
            index += 1
            skipWhitespace()
            if current == UInt8(ascii: "}") { index += 1; return true }
            while true {
                skipWhitespace()
                guard current == UInt8(ascii: "\""), string() else { return false }
                skipWhitespace()
                guard current == UInt8(ascii: ":") else { return false }
                index += 1
                skipWhitespace()
                guard value(depth: depth + 1) else { return false }
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "}"): index += 1; return true
                default: return false
                }
            }
        }

        mutating func array(depth: Int) -> Bool {
            index += 1
            skipWhitespace()
            if current == UInt8(ascii: "]") { index += 1; return true }
            while true {
                skipWhitespace()
                guard value(depth: depth + 1) else { return false }
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "]"): index += 1; return true
                default: return false
                }
            }
        }

        mutating func string() -> Bool {
            index += 1
            while let byte = current {
                index += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return true
                case UInt8(ascii: "\\"):
                    guard let escaped = current else { return false }
                    index += 1
                    switch escaped {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                        UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        continue
                    case UInt8(ascii: "u"):
                        for _ in 0..<4 {
                            guard let hex = current, isHex(hex) else { return false }
                            index += 1
                        }
                    default:
                        return false
                    }
                case 0..<0x20:
                    return false
                case 0x80...:
                    guard utf8Tail(lead: byte) else { return false }
                default:
                    continue
                }
            }
            return false
        }

        /// JSON text is UTF-8 (RFC 8259 §8.1): the rest of a multi-byte sequence whose lead byte
        /// was just read, by the well-formed ranges of Unicode's table 3-7 (no overlongs, no
        /// surrogates, nothing past U+10FFFF). Found by the `json` fuzz target.
        mutating func utf8Tail(lead: UInt8) -> Bool {
            let second: ClosedRange<UInt8>
            let count: Int
            switch lead {
            case 0xC2...0xDF: (second, count) = (0x80...0xBF, 1)
            case 0xE0: (second, count) = (0xA0...0xBF, 2)
            case 0xED: (second, count) = (0x80...0x9F, 2)
            case 0xE1...0xEF: (second, count) = (0x80...0xBF, 2)
            case 0xF0: (second, count) = (0x90...0xBF, 3)
            case 0xF1...0xF3: (second, count) = (0x80...0xBF, 3)
            case 0xF4: (second, count) = (0x80...0x8F, 3)
            default: return false
            }
            for position in 0..<count {
                guard let byte = current, (position == 0 ? second : 0x80...0xBF).contains(byte) else { return false }
                index += 1
            }
            return true
        }

        func isHex(_ byte: UInt8) -> Bool {
            (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
        }

        mutating func digits() -> Bool {
            let start = index
            while let byte = current, (0x30...0x39).contains(byte) { index += 1 }
            return index > start
        }

        mutating func number() -> Bool {
            if current == UInt8(ascii: "-") { index += 1 }
            if current == UInt8(ascii: "0") {
                index += 1
            } else if !digits() {
                return false
            }
            if current == UInt8(ascii: ".") {
                index += 1
                guard digits() else { return false }
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                index += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
                guard digits() else { return false }
            }
            return true
        }
    }
}
