import Crypto

/// The digests SQS returns with a message, computed exactly as AWS does: the Java and .NET SDKs
/// recompute them and reject a message whose digest differs.
public enum MessageMD5 {
    /// MD5 of the body's UTF-8 bytes, lowercase hex.
    public static func body(_ body: String) -> String { hex(Insecure.MD5.hash(data: Array(body.utf8))) }

    /// AWS's digest of message (or message system) attributes: for each attribute in order of
    /// name, the name, the data type and the value, each as a 4-byte big-endian length and its
    /// bytes, with a transport byte before the value (1 for text, 2 for binary). Nil when there
    /// are no attributes (AWS then leaves the field out).
    public static func attributes(_ attributes: [String: MessageAttributeValue]) -> String? {
        if attributes.isEmpty { return nil }
        var bytes: [UInt8] = []
        // Java's String order (UTF-16 code units); names are ASCII, so byte order is the same.
        for name in attributes.keys.sorted(by: { Array($0.utf16).lexicographicallyPrecedes(Array($1.utf16)) }) {
            let value = attributes[name]!
            append(Array(name.utf8), to: &bytes)
            append(Array(value.dataType.utf8), to: &bytes)
            if value.isBinary {
                bytes.append(2)
                append(value.binaryValue ?? [], to: &bytes)
            } else {
                bytes.append(1)
                append(Array((value.stringValue ?? "").utf8), to: &bytes)
            }
        }
        return hex(Insecure.MD5.hash(data: bytes))
    }

    private static func append(_ field: [UInt8], to bytes: inout [UInt8]) {
        let count = UInt32(field.count)
        bytes += [UInt8(count >> 24), UInt8((count >> 16) & 0xFF), UInt8((count >> 8) & 0xFF), UInt8(count & 0xFF)]
        bytes += field
    }

    private static func hex(_ digest: Insecure.MD5Digest) -> String {
        digest.map { byte in
            let text = String(byte, radix: 16)
            return byte < 16 ? "0" + text : text
        }.joined()
    }
}
