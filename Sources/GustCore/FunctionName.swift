/// Function names, qualifiers and ARNs as the Lambda API accepts them.
public enum FunctionName {
    public static let region = "us-east-1"
    public static let account = "000000000000"

    public static func arn(_ name: String, qualifier: String? = nil) -> String {
        let base = "arn:aws:lambda:\(region):\(account):function:\(name)"
        return qualifier.map { "\(base):\($0)" } ?? base
    }

    public static func validate(_ name: String) throws(GustError) {
        // Checked as text first: then it is ASCII, and its byte count is its length.
        guard isNameText(name), (1...64).contains(name.utf8.count) else {
            throw .invalid(
                "1 validation error detected: Value '\(name)' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_]{1,64}"
            )
        }
    }

    /// Splits `name`, `name:qualifier`, a partial ARN or a full ARN into a name and an optional qualifier.
    public static func parse(_ raw: String) throws(GustError) -> (name: String, qualifier: String?) {
        if !raw.utf8.contains(UInt8(ascii: ":")) {
            try validate(raw)
            return (raw, nil)
        }
        var parts = raw.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        if parts.first == "arn" {
            // arn:aws:lambda:region:account:function:name[:qualifier]
            guard parts.count >= 7, parts[5] == "function" else {
                throw .invalid("Invalid function ARN: \(raw)")
            }
            parts = Array(parts[6...])
        } else if parts.count >= 3, parts[1] == "function" {
            // account:function:name[:qualifier]
            parts = Array(parts[2...])
        }
        guard parts.count == 1 || parts.count == 2 else { throw .invalid("Invalid function name: \(raw)") }
        try validate(parts[0])
        let qualifier = parts.count == 2 ? parts[1] : nil
        if let qualifier { try validateQualifier(qualifier) }
        return (parts[0], qualifier)
    }

    public static func validateQualifier(_ qualifier: String) throws(GustError) {
        guard qualifier == FunctionConfiguration.latest
            || (isNameText(qualifier) && (1...128).contains(qualifier.utf8.count))
        else {
            throw .invalid("Invalid qualifier: \(qualifier)")
        }
    }

    public static func validateAliasName(_ alias: String) throws(GustError) {
        guard isNameText(alias), (1...128).contains(alias.utf8.count), alias.first.map({ !$0.isNumber }) ?? false else {
            throw .invalid("Value '\(alias)' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)")
        }
    }

    /// `[a-zA-Z0-9-_]*`: what names, qualifiers and aliases are made of.
    static func isNameText(_ text: String) -> Bool {
        text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
                true
            default: false
            }
        }
    }

    static func isValidEnvironmentKey(_ key: String) -> Bool {
        guard let first = key.first, first.isASCII, first.isLetter, key.count >= 1 else { return false }
        return key.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }
}
