/// ASCII helpers: Foundation's `trimmingCharacters(in:)` bridges through `CharacterSet` and
/// showed up in profiles of every signed request.
extension StringProtocol {
    func trimmingSpaces() -> String {
        let bytes = Array(utf8)
        guard let first = bytes.firstIndex(where: { $0 != 0x20 && $0 != 0x09 }),
            let last = bytes.lastIndex(where: { $0 != 0x20 && $0 != 0x09 })
        else { return "" }
        return String(decoding: bytes[first...last], as: UTF8.self)
    }
}
