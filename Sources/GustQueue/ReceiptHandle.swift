import Foundation

/// Names one receipt of one message: its sequence in the store and the token drawn when it was
/// received, so that each receipt differs. As on AWS, an older receipt of the message still
/// deletes it, and changes its visibility while it is in flight.
public struct ReceiptHandle: Sendable, Equatable {
    public var queueID: Int64
    public var seq: Int64
    public var token: String

    public init(queueID: Int64, seq: Int64, token: String) {
        self.queueID = queueID
        self.seq = seq
        self.token = token
    }

    public var encoded: String {
        Data("gust1:\(queueID):\(seq):\(token)".utf8).base64EncodedString()
    }

    /// Parses a handle this server gave out; anything else is `ReceiptHandleIsInvalid`.
    public init(parsing text: String) throws(QueueError) {
        let invalid = QueueError(.receiptHandleIsInvalid, "The input receipt handle \"\(text)\" is not a valid receipt handle.")
        guard let data = Data(base64Encoded: text), let decoded = String(data: data, encoding: .utf8) else { throw invalid }
        let parts = decoded.split(separator: ":")
        guard parts.count == 4, parts[0] == "gust1", let queueID = Int64(parts[1]), let seq = Int64(parts[2]) else {
            throw invalid
        }
        self.init(queueID: queueID, seq: seq, token: String(parts[3]))
    }

    public static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return String(generator.next() as UInt64, radix: 36)
    }
}
