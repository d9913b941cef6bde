import Foundation

/// A browser upload's policy document (base64 JSON: `expiration` and `conditions`), checked
/// against the form as S3 does: not expired, every condition met, and every field the form
/// carries named by a condition (except the signature's own and `x-ignore-*`).
struct PostPolicy: Sendable {
    var expiration: Date
    var conditions: [Condition]

    enum Condition: Sendable, Equatable {
        /// `{"acl": "private"}` or `["eq", "$acl", "private"]`.
        case equals(field: String, value: String)
        case startsWith(field: String, prefix: String)
        case contentLength(min: Int64, max: Int64)
    }

    static func invalid(_ detail: String) -> S3Error {
        S3Error(.invalidPolicyDocument, "Invalid Policy: \(detail)")
    }

    static func denied(_ detail: String) -> S3Error {
        S3Error(.accessDenied, "Invalid according to Policy: \(detail)")
    }

    static func parse(base64: String) throws(S3Error) -> PostPolicy {
        guard let data = Data(base64Encoded: base64.trimmingCharacters(in: .whitespacesAndNewlines)),
            let document = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { throw invalid("Invalid JSON.") }
        guard let expiration = document["expiration"] as? String else { throw invalid("Policy missing expiration.") }
        guard let date = Self.date(expiration) else { throw invalid("Invalid 'expiration' value: '\(expiration)'") }
        guard let list = document["conditions"] as? [Any] else { throw invalid("Policy missing conditions.") }
        var conditions: [Condition] = []
        for item in list {
            if let object = item as? [String: Any] {
                if object.isEmpty { throw invalid("Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.") }
                for (name, value) in object {
                    guard let text = value as? String else { throw invalid("Invalid Simple-Condition: value must be a string.") }
                    conditions.append(.equals(field: name.lowercased(), value: text))
                }
            } else if let array = item as? [Any], let operation = (array.first as? String)?.lowercased() {
                switch operation {
                case "eq", "starts-with":
                    guard array.count == 3, let field = array[1] as? String, field.hasPrefix("$"), let value = array[2] as? String else {
                        throw invalid("Invalid Condition: \(operation) needs a $field and a string.")
                    }
                    let name = String(field.dropFirst()).lowercased()
                    conditions.append(operation == "eq" ? .equals(field: name, value: value) : .startsWith(field: name, prefix: value))
                case "content-length-range":
                    guard array.count == 3, let min = Self.integer(array[1]), let max = Self.integer(array[2]) else {
                        throw invalid("Invalid content-length-range: needs two integers.")
                    }
                    conditions.append(.contentLength(min: min, max: max))
                default:
                    throw invalid("Invalid Condition: unknown operation \(operation).")
                }
            } else {
                throw invalid("Invalid Condition.")
            }
        }
        return PostPolicy(expiration: date, conditions: conditions)
    }

    static func integer(_ value: Any) -> Int64? {
        if let number = value as? NSNumber { return Int64(exactly: number.doubleValue) }
        if let text = value as? String { return Int64(text) }
        return nil
    }

    static func date(_ text: String) -> Date? {
        let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        return (try? withFraction.parse(text)) ?? (try? Date.ISO8601FormatStyle().parse(text))
    }

    /// Fields a policy never has to name: the signature's own, and checksums of the file (S3
    /// checks those against the bytes).
    static func isExempt(_ name: String) -> Bool {
        ["policy", "signature", "awsaccesskeyid", "x-amz-signature", "file"].contains(name) || name.hasPrefix("x-ignore-")
            || name.hasPrefix("x-amz-checksum-")
    }

    /// `fields` by lower-cased name; `bucket` is checked as the `bucket` field would be.
    func check(fields: [String: String], bucket: String, now: Date = Date()) throws(S3Error) {
        guard now < expiration else { throw Self.denied("Policy expired.") }
        var values = fields
        values["bucket"] = bucket
        var named: Set<String> = ["bucket"]
        for condition in conditions {
            switch condition {
            case .equals(let field, let value):
                named.insert(field)
                guard values[field] == value else { throw Self.denied("Policy Condition failed: [\"eq\", \"$\(field)\", \"\(value)\"]") }
            case .startsWith(let field, let prefix):
                named.insert(field)
                let given = values[field] ?? ""
                // Content-Type may list several values; each must match.
                let parts = field == "content-type" ? given.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } : [given]
                guard parts.allSatisfy({ $0.hasPrefix(prefix) }) else {
                    throw Self.denied("Policy Condition failed: [\"starts-with\", \"$\(field)\", \"\(prefix)\"]")
                }
            case .contentLength:
                break
            }
        }
        for name in fields.keys.sorted() where !Self.isExempt(name) && !named.contains(name) {
            throw Self.denied("Extra input fields: \(name)")
        }
    }

    /// The `content-length-range`, checked once the file's size is known.
    func checkLength(_ size: Int64) throws(S3Error) {
        for case .contentLength(let min, let max) in conditions {
            if size < min { throw S3Error(.entityTooSmall, "Your proposed upload is smaller than the minimum allowed size") }
            if size > max { throw S3Error(.entityTooLarge, "Your proposed upload exceeds the maximum allowed size") }
        }
    }
}
