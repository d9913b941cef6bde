/// Byte-level helpers for protocol text (header names, host names, media types), which is ASCII.
/// On request paths they replace `lowercased()` (allocates, runs Unicode case mapping) and
/// Foundation's `range(of:)` or the standard library's `firstRange(of:)`, each of which cost
/// more than the rest of a small request's handling.
public enum ASCII {
    /// Equal, ignoring the case of ASCII letters.
    public static func equalIgnoringCase(_ lhs: String, _ rhs: String) -> Bool {
        guard lhs.utf8.count == rhs.utf8.count else { return false }
        for (a, b) in zip(lhs.utf8, rhs.utf8) where a != b {
            guard a | 0x20 == b | 0x20, (a | 0x20) >= 0x61, (a | 0x20) <= 0x7A else { return false }
        }
        return true
    }

    /// `bytes` as a string, ASCII letters lowered. Inlinable, as is `trimmingSpaces`: called
    /// across modules unspecialized, each byte went through a witness table.
    @inlinable
    public static func lowercased(_ bytes: some Sequence<UInt8>) -> String {
        String(decoding: bytes.map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }, as: UTF8.self)
    }

    /// `bytes` without leading and trailing spaces and tabs.
    @inlinable
    public static func trimmingSpaces<C: BidirectionalCollection<UInt8>>(_ bytes: C) -> C.SubSequence {
        let isSpace = { (byte: UInt8) in byte == 0x20 || byte == 0x09 }
        guard let first = bytes.firstIndex(where: { !isSpace($0) }), let last = bytes.lastIndex(where: { !isSpace($0) })
        else { return bytes[bytes.endIndex...] }
        return bytes[first...last]
    }

    /// The byte offset of the first occurrence of `part` in `text`.
    public static func firstOffset(of part: String, in text: String) -> Int? {
        let text = text.utf8, part = part.utf8
        guard let first = part.first, text.count >= part.count else { return part.isEmpty ? 0 : nil }
        var index = text.startIndex
        for offset in 0...(text.count - part.count) {
            defer { index = text.index(after: index) }
            guard text[index] == first else { continue }
            if text[index...].starts(with: part) { return offset }
        }
        return nil
    }
}
