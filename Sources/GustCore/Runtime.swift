/// The language family a runtime identifier belongs to. Identifiers follow Lambda's names
/// (`python3.12`, `nodejs20.x`, `provided.al2023`) so that existing deployment tooling works.
public enum RuntimeFamily: String, Sendable, Codable, CaseIterable {
    case python
    case node
    case provided
    /// WASI preview1 modules run in-process on WasmKit.
    case wasm

    /// Parses a Lambda runtime identifier; `nil` when Gust cannot run it.
    public init?(identifier: String) {
        if identifier == "python3" || identifier.hasPrefix("python3.") {
            self = .python
        } else if identifier.hasPrefix("nodejs") {
            self = .node
        } else if identifier == "provided" || identifier.hasPrefix("provided.") {
            self = .provided
        } else if identifier == "wasm" {
            self = .wasm
        } else {
            return nil
        }
    }

    public static let supportedIdentifiers =
        "python3.x (e.g. python3.12), nodejsNN.x (e.g. nodejs20.x), provided, provided.al2, provided.al2023, wasm"
}
