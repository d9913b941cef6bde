import GustCore

/// ASCII helpers: Foundation's `trimmingCharacters(in:)` bridges through `CharacterSet` and
/// showed up in profiles of every signed request.
extension String {
    func trimmingSpaces() -> String {
        String(decoding: ASCII.trimmingSpaces(utf8), as: UTF8.self)
    }
}
