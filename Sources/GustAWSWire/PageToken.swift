import Foundation

/// Opaque pagination tokens: the last key of a page, base64url-encoded with a prefix naming what
/// it pages, so a token from one listing is refused by another instead of misread.
public enum PageToken {
    public static func make(kind: String, lastKey: String) -> String {
        Data("\(kind):\(lastKey)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The last key in `token`, or nil when the token is not one `make(kind:…)` gave.
    public static func lastKey(kind: String, token: String) -> String? {
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8),
            text.hasPrefix(kind + ":")
        else { return nil }
        return String(text.dropFirst(kind.count + 1))
    }
}
