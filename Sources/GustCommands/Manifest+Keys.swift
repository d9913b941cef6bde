import Foundation

/// Keys a manifest object does not know are refused rather than ignored: a misspelt `prefx:` would
/// otherwise deploy a trigger on the whole bucket, and a misspelt `evnets:` no trigger at all,
/// without a word. Keys starting with `x-` are let through, as in Compose files, to hold YAML
/// anchors (`x-python: &python {runtime: python3.12, memory: 256}`).
extension Manifest {
    static func refuseUnknownKeys(_ decoder: any Decoder, known: [String]) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        let unknown = container.allKeys.first { !known.contains($0.stringValue) && !$0.stringValue.hasPrefix("x-") }
        guard let unknown else { return }
        throw DecodingError.dataCorrupted(
            .init(
                codingPath: decoder.codingPath,
                debugDescription: "unknown key '\(unknown.stringValue)' (expected one of \(known.joined(separator: ", ")))"))
    }

    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int?
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) {
            self.stringValue = String(intValue)
            self.intValue = intValue
        }
    }
}

/// A manifest object with a synthesized decoder, whose keys `Checked` checks first.
protocol ManifestObject: Decodable {
    static var keys: [String] { get }
}

/// Decodes `Value` after refusing the keys it does not know.
struct Checked<Value: ManifestObject>: Decodable {
    var value: Value

    init(from decoder: any Decoder) throws {
        try Manifest.refuseUnknownKeys(decoder, known: Value.keys)
        value = try Value(from: decoder)
    }
}
