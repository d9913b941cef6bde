import GustCore

/// ASCII helpers: Foundation's `trimmingCharacters(in:)` bridges through `CharacterSet` and
/// showed up in profiles of every signed request.
extension StringProtocol {
    func trimmingSpaces() -> String {
        String(decoding: ASCII.trimmingSpaces(Array(utf8)), as: UTF8.self)
    }
}
