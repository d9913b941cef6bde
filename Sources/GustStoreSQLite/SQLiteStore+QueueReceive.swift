import Foundation
import GRDB
import GustQueue

extension SQLiteStore {
    /// One write transaction: SQLite's single writer is what `FOR UPDATE SKIP LOCKED` gives on
    /// PostgreSQL, so two receivers never claim the same message in the same window.
    public func receive(_ request: ReceiveRequest) async throws(QueueError) -> ReceiveOutcome {
        try await queueWrite { db in
            let now = request.now.timeIntervalSince1970
            var inFlight: Set<String> = []
            if request.fifo {
                inFlight = Set(
                    try String.fetchAll(
                        db,
                        sql: """
                            SELECT DISTINCT group_id FROM queue_messages
                            WHERE queue_id = ? AND visible_at > ? AND receive_count > 0 AND group_id IS NOT NULL
                            """, arguments: [request.queueID, now]))
            }
            var selection = MessageSelection(
                limit: request.limit, fifo: request.fifo, groupsInFlight: inFlight,
                maxReceiveCount: request.deadLetter?.maxReceiveCount)
            var messages: [ReceivedMessage] = []
            var deadLettered = 0
            var afterSeq: Int64 = 0
            let decoder = JSONDecoder()
            scan: while !selection.isFull {
                // FIFO walks the queue in order, past skipped groups; a standard queue takes
                // whatever is visible (delivered and dead-lettered rows leave the range).
                let rows =
                    request.fifo
                    ? try Row.fetchAll(
                        db,
                        sql: """
                            SELECT * FROM queue_messages WHERE queue_id = ? AND seq > ? AND visible_at <= ? AND expires_at > ?
                            ORDER BY seq LIMIT 100
                            """, arguments: [request.queueID, afterSeq, now, now])
                    : try Row.fetchAll(
                        db.cachedStatement(
                            sql: """
                                SELECT * FROM queue_messages WHERE queue_id = ? AND visible_at <= ? AND expires_at > ?
                                ORDER BY visible_at LIMIT ?
                                """), arguments: [request.queueID, now, now, request.limit - selection.delivered])
                if rows.isEmpty { break }
                for row in rows {
                    let seq: Int64 = row["seq"]
                    afterSeq = seq
                    let groupID: String? = row["group_id"]
                    switch selection.decide(groupID: groupID, receiveCount: row["receive_count"]) {
                    case .skip:
                        if selection.isFull { break scan }
                    case .deadLetter:
                        if let deadLetter = request.deadLetter {
                            try db.execute(
                                sql: """
                                    UPDATE queue_messages SET queue_id = ?, receive_count = 0, first_received_at = NULL,
                                        receipt_token = NULL, visible_at = ?, dead_letter_source = ? WHERE seq = ?
                                    """, arguments: [deadLetter.queueID, now, deadLetter.sourceArn, seq])
                            deadLettered += 1
                        }
                    case .deliver:
                        messages.append(try Self.claim(db, row: row, request: request, decoder: decoder))
                    }
                }
            }
            var nextVisibleAt: Date?
            if messages.isEmpty {
                nextVisibleAt = try Double.fetchOne(
                    db, sql: "SELECT MIN(visible_at) FROM queue_messages WHERE queue_id = ? AND visible_at > ?",
                    arguments: [request.queueID, now]
                ).map { Date(timeIntervalSince1970: $0) }
            }
            return ReceiveOutcome(messages: messages, nextVisibleAt: nextVisibleAt, deadLettered: deadLettered)
        }
    }

    /// Makes `row`'s message invisible for the visibility timeout under a fresh receipt.
    private static func claim(_ db: Database, row: Row, request: ReceiveRequest, decoder: JSONDecoder) throws -> ReceivedMessage {
        let seq: Int64 = row["seq"]
        let now = request.now.timeIntervalSince1970
        let token = ReceiptHandle.newToken()
        let firstReceived: Double = row["first_received_at"] ?? now
        let receiveCount: Int = row["receive_count"] + 1
        try db.cachedStatement(
            sql: """
                UPDATE queue_messages SET visible_at = ?, receive_count = ?, first_received_at = ?, receipt_token = ?
                WHERE seq = ?
                """
        ).execute(arguments: [now + request.visibility, receiveCount, firstReceived, token, seq])
        let attributes: Data? = row["attributes"]
        let system: Data? = row["system_attributes"]
        let groupID: String? = row["group_id"]
        return ReceivedMessage(
            messageID: row["message_id"], receipt: ReceiptHandle(queueID: request.queueID, seq: seq, token: token),
            body: row["body"],
            attributes: try attributes.map { try decoder.decode([String: MessageAttributeValue].self, from: $0) } ?? [:],
            systemAttributes: try system.map { try decoder.decode([String: MessageAttributeValue].self, from: $0) } ?? [:],
            md5OfBody: row["md5_body"], md5OfAttributes: row["md5_attributes"], senderID: row["sender_id"],
            sentAt: Date(timeIntervalSince1970: row["sent_at"]), receiveCount: receiveCount,
            firstReceivedAt: Date(timeIntervalSince1970: firstReceived), groupID: groupID, deduplicationID: row["dedup_id"],
            sequenceNumber: groupID == nil ? nil : ReceivedMessage.sequenceNumber(seq),
            deadLetterSourceArn: row["dead_letter_source"])
    }
}
