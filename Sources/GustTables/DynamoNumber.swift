/// DynamoDB's number: an exact decimal of up to 38 significant digits, magnitude 1E-130 to
/// 9.99…E+125. Hand-written: Foundation's `Decimal` stops at exponent ±128, short of DynamoDB's
/// range, and a Double would change the digits users stored.
///
/// Held as sign, significant digits (no leading or trailing zeros; none for zero) and an
/// exponent such that the value is 0.d₁d₂…dₙ × 10^exponent.
public struct DynamoNumber: Sendable, Hashable, Comparable, CustomStringConvertible {
    public private(set) var negative: Bool
    public private(set) var digits: [UInt8]
    public private(set) var exponent: Int

    public static let maxDigits = 38
    static let minExponent = -129
    static let maxExponent = 126

    public static let zero = DynamoNumber(negative: false, digits: [], exponent: 0)

    init(negative: Bool, digits: [UInt8], exponent: Int) {
        self.negative = negative
        self.digits = digits
        self.exponent = exponent
    }

    /// Parses DynamoDB's number text (`-12.50`, `1e3`, `+0.5`, `.5`), checking precision and range.
    public init(_ text: String) throws(TableError) {
        var bytes = Array(text.utf8)[...]
        var negative = false
        if let first = bytes.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            bytes = bytes.dropFirst()
        }
        var all: [UInt8] = []
        var pointAt: Int?
        var sawDigit = false
        var exponent = 0
        while let c = bytes.first {
            if c >= 48 && c <= 57 {
                all.append(c - 48)
                sawDigit = true
            } else if c == UInt8(ascii: "."), pointAt == nil {
                pointAt = all.count
            } else {
                break
            }
            bytes = bytes.dropFirst()
        }
        guard sawDigit else { throw Self.notNumeric(text) }
        if let c = bytes.first, c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            var expNegative = false
            if let s = bytes.first, s == UInt8(ascii: "-") || s == UInt8(ascii: "+") {
                expNegative = s == UInt8(ascii: "-")
                bytes = bytes.dropFirst()
            }
            guard !bytes.isEmpty, bytes.count <= 6 else { throw Self.notNumeric(text) }
            for c in bytes {
                guard c >= 48 && c <= 57 else { throw Self.notNumeric(text) }
                exponent = exponent * 10 + Int(c - 48)
            }
            if expNegative { exponent = -exponent }
            bytes = []
        }
        guard bytes.isEmpty else { throw Self.notNumeric(text) }
        // 0.d1d2… × 10^e: the integer part's length is where the point sits.
        exponent += pointAt ?? all.count
        try self.init(normalizing: negative, all, exponent)
    }

    /// Strips leading and trailing zeros and checks DynamoDB's limits.
    init(normalizing negative: Bool, _ raw: [UInt8], _ exponent: Int) throws(TableError) {
        var digits = raw[...]
        var exponent = exponent
        while let first = digits.first, first == 0 {
            digits = digits.dropFirst()
            exponent -= 1
        }
        while let last = digits.last, last == 0 { digits = digits.dropLast() }
        if digits.isEmpty {
            self = .zero
            return
        }
        guard digits.count <= Self.maxDigits else {
            throw TableError(.validation, "Attempting to store more than 38 significant digits in a Number")
        }
        guard exponent <= Self.maxExponent else {
            throw TableError(.validation, "Number overflow. Attempting to store a number with magnitude larger than supported range")
        }
        guard exponent >= Self.minExponent else {
            throw TableError(.validation, "Number underflow. Attempting to store a number with magnitude smaller than supported range")
        }
        self.init(negative: negative, digits: Array(digits), exponent: exponent)
    }

    public init(_ value: Int) {
        // Int's digits always fit: at most 19 of them.
        self = (try? DynamoNumber(String(value))) ?? .zero
    }

    static func notNumeric(_ text: String) -> TableError {
        TableError(.validation, "A value provided cannot be converted into a number")
    }

    public var isZero: Bool { digits.isEmpty }

    /// DynamoDB's canonical text: plain notation (`100`, `0.001`, `-1.5`), and scientific for
    /// integers over 38 digits (`1E+100`).
    public var description: String {
        if digits.isEmpty { return "0" }
        var out = negative ? "-" : ""
        let text = digits.map { Character(Unicode.Scalar($0 + 48)) }
        if exponent <= 0 {
            out += "0." + String(repeating: "0", count: -exponent) + String(text)
        } else if exponent > Self.maxDigits {
            out += String(text[0])
            if text.count > 1 { out += "." + String(text[1...]) }
            out += "E+\(exponent - 1)"
        } else if exponent >= text.count {
            out += String(text) + String(repeating: "0", count: exponent - text.count)
        } else {
            out += String(text[..<exponent]) + "." + String(text[exponent...])
        }
        return out
    }

    public static func < (lhs: DynamoNumber, rhs: DynamoNumber) -> Bool {
        if lhs.isZero || rhs.isZero || lhs.negative != rhs.negative {
            return lhs.signum < rhs.signum
        }
        let magnitudeLess = lhs.exponent != rhs.exponent ? lhs.exponent < rhs.exponent : lhs.digits.lexicographicallyPrecedes(rhs.digits)
        return lhs.negative ? (lhs != rhs && !magnitudeLess) : magnitudeLess
    }

    var signum: Int { digits.isEmpty ? 0 : (negative ? -1 : 1) }

    public static prefix func - (value: DynamoNumber) -> DynamoNumber {
        value.isZero ? value : DynamoNumber(negative: !value.negative, digits: value.digits, exponent: value.exponent)
    }

    /// The exact sum; fails as DynamoDB does when it needs more than 38 digits or leaves the range.
    public func adding(_ other: DynamoNumber) throws(TableError) -> DynamoNumber {
        if isZero { return other }
        if other.isZero { return self }
        // Both as integers scaled to the smaller last-digit position: value = int × 10^low.
        let lowSelf = exponent - digits.count
        let lowOther = other.exponent - other.digits.count
        let low = min(lowSelf, lowOther)
        let a = digits + [UInt8](repeating: 0, count: lowSelf - low)
        let b = other.digits + [UInt8](repeating: 0, count: lowOther - low)
        guard a.count + b.count < 400 else {
            throw TableError(.validation, "Attempting to store more than 38 significant digits in a Number")
        }
        if negative == other.negative {
            let sum = Self.addMagnitudes(a, b)
            return try DynamoNumber(normalizing: negative, sum, low + sum.count)
        }
        let aBigger = Self.compareMagnitudes(a, b) >= 0
        let difference = aBigger ? Self.subtractMagnitudes(a, b) : Self.subtractMagnitudes(b, a)
        return try DynamoNumber(normalizing: aBigger ? negative : other.negative, difference, low + difference.count)
    }

    public func subtracting(_ other: DynamoNumber) throws(TableError) -> DynamoNumber {
        try adding(-other)
    }

    /// Digits most significant first, as integers.
    static func addMagnitudes(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: max(a.count, b.count) + 1)
        var carry: UInt8 = 0
        var i = a.count - 1, j = b.count - 1, k = result.count - 1
        while k >= 0 {
            let sum = (i >= 0 ? a[i] : 0) + (j >= 0 ? b[j] : 0) + carry
            result[k] = sum % 10
            carry = sum / 10
            i -= 1; j -= 1; k -= 1
        }
        return result
    }

    /// a − b for a ≥ b, same length or a longer.
    static func subtractMagnitudes(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        var result = a
        var borrow: Int = 0
        var j = b.count - 1
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            var d = Int(a[i]) - borrow - (j >= 0 ? Int(b[j]) : 0)
            borrow = d < 0 ? 1 : 0
            if d < 0 { d += 10 }
            result[i] = UInt8(d)
            j -= 1
        }
        return result
    }

    static func compareMagnitudes(_ a: [UInt8], _ b: [UInt8]) -> Int {
        let a = a.drop(while: { $0 == 0 }), b = b.drop(while: { $0 == 0 })
        if a.count != b.count { return a.count < b.count ? -1 : 1 }
        for (x, y) in zip(a, b) where x != y { return x < y ? -1 : 1 }
        return 0
    }

    /// Bytes whose memcmp order is the numbers' order (for index keys): a class byte (negative,
    /// zero, positive), the exponent, then the digits; negatives complemented and terminated so
    /// that a longer magnitude sorts first.
    public var orderedBytes: [UInt8] {
        if isZero { return [0x02] }
        let biased = UInt16(truncatingIfNeeded: exponent + 0x8000)
        if !negative {
            return [0x03, UInt8(biased >> 8), UInt8(biased & 0xFF)] + digits.map { $0 + 1 }
        }
        let flipped = 0xFFFF - biased
        return [0x01, UInt8(flipped >> 8), UInt8(flipped & 0xFF)] + digits.map { 10 - $0 } + [0xFF]
    }
}
