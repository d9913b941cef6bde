import Foundation
import GRDB
import GustCore
import GustQueue

extension SQLiteStore: QueueStore {
    public func createQueue(
        name: String, attributes: [String: String], tags: [String: String], now: Date
    ) async throws(QueueError) -> (queue: QueueRecord, created: Bool) {
        try await queueWrite { db in
            if let existing = try Self.queueRow(db, name: name) { return (existing, false) }
            try db.execute(
                sql: "INSERT INTO queues (name, attributes, tags, created_at, modified_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [name, try Self.encode(attributes), try Self.encode(tags), now.timeIntervalSince1970, now.timeIntervalSince1970])
            let queue = QueueRecord(
                id: db.lastInsertedRowID, name: name, attributes: attributes, tags: tags, createdAt: now, modifiedAt: now)
            return (queue, true)
        }
    }

    public func queue(named name: String) async throws(QueueError) -> QueueRecord? {
        try await queueRead { db in try Self.queueRow(db, name: name) }
    }

    public func queues(prefix: String, after: String?, limit: Int) async throws(QueueError) -> [QueueRecord] {
        try await queueRead { db in
            // `substr` rather than LIKE: queue names may hold `_`, a LIKE wildcard.
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM queues WHERE substr(name, 1, ?) = ? AND name > ? ORDER BY name LIMIT ?
                    """, arguments: [prefix.count, prefix, after ?? "", min(limit, Int(Int32.max))])
            return try rows.map(Self.queueRecord)
        }
    }

    public func updateQueue(_ queue: QueueRecord) async throws(QueueError) {
        try await queueWrite { db in
            try db.execute(
                sql: "UPDATE queues SET attributes = ?, tags = ?, modified_at = ? WHERE id = ?",
                arguments: [try Self.encode(queue.attributes), try Self.encode(queue.tags), queue.modifiedAt.timeIntervalSince1970, queue.id])
        }
    }

    public func deleteQueue(id: Int64) async throws(QueueError) {
        try await queueWrite(inline: false) { db in
            try db.execute(sql: "DELETE FROM queue_messages WHERE queue_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM queue_dedup WHERE queue_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM queues WHERE id = ?", arguments: [id])
        }
    }

    public func purge(queueID: Int64) async throws(QueueError) {
        try await queueWrite(inline: false) { db in try db.execute(sql: "DELETE FROM queue_messages WHERE queue_id = ?", arguments: [queueID]) }
    }

    public func send(queueID: Int64, _ messages: [OutgoingMessage]) async throws(QueueError) -> [SentMessage] {
        let rows = try messages.map { message throws(QueueError) in (message, try Self.encodeAttributes(message)) }
        return try await queueWrite { db in
            var sent: [SentMessage] = []
            for (message, encoded) in rows {
                if let deduplication = message.deduplication,
                    let original = try Row.fetchOne(
                        db, sql: "SELECT message_id, seq FROM queue_dedup WHERE queue_id = ? AND dedup_key = ? AND expires_at > ?",
                        arguments: [queueID, deduplication.key, message.sentAt.timeIntervalSince1970])
                {
                    sent.append(
                        SentMessage(messageID: original["message_id"], sequenceNumber: ReceivedMessage.sequenceNumber(original["seq"]), duplicate: true))
                    continue
                }
                // Cached: preparing (and authorizing) a statement cost more than running it.
                try db.cachedStatement(
                    sql: """
                        INSERT INTO queue_messages
                            (queue_id, message_id, body, attributes, system_attributes, md5_body, md5_attributes,
                             sender_id, sent_at, group_id, dedup_id, visible_at, expires_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """
                ).execute(
                    arguments: [
                        queueID, message.messageID, message.body, encoded.attributes, encoded.system, message.md5OfBody,
                        message.md5OfAttributes, message.senderID, message.sentAt.timeIntervalSince1970, message.groupID,
                        message.deduplicationID, message.visibleAt.timeIntervalSince1970, message.expiresAt.timeIntervalSince1970,
                    ])
                let seq = db.lastInsertedRowID
                if let (key, until) = message.deduplication {
                    try db.execute(
                        sql: "INSERT OR REPLACE INTO queue_dedup (queue_id, dedup_key, message_id, seq, expires_at) VALUES (?, ?, ?, ?, ?)",
                        arguments: [queueID, key, message.messageID, seq, until.timeIntervalSince1970])
                }
                sent.append(
                    SentMessage(
                        messageID: message.messageID, sequenceNumber: message.groupID == nil ? nil : ReceivedMessage.sequenceNumber(seq),
                        duplicate: false))
            }
            return sent
        }
    }

    public func delete(queueID: Int64, _ receipts: [ReceiptHandle]) async throws(QueueError) {
        try await queueWrite { db in
            for receipt in receipts {
                try db.cachedStatement(sql: "DELETE FROM queue_messages WHERE seq = ? AND queue_id = ?")
                    .execute(arguments: [receipt.seq, queueID])
            }
        }
    }

    public func changeVisibility(
        queueID: Int64, _ changes: [(receipt: ReceiptHandle, visibleAt: Date)], now: Date
    ) async throws(QueueError) -> [VisibilityChange] {
        try await queueWrite { db in
            var outcomes: [VisibilityChange] = []
            for (receipt, visibleAt) in changes {
                try db.execute(
                    sql: """
                        UPDATE queue_messages SET visible_at = ?
                        WHERE seq = ? AND queue_id = ? AND receive_count > 0 AND visible_at > ?
                        """,
                    arguments: [visibleAt.timeIntervalSince1970, receipt.seq, queueID, now.timeIntervalSince1970])
                if db.changesCount == 1 {
                    outcomes.append(.changed)
                } else {
                    let exists = try Bool.fetchOne(
                        db, sql: "SELECT 1 FROM queue_messages WHERE seq = ? AND queue_id = ?", arguments: [receipt.seq, queueID]) ?? false
                    outcomes.append(exists ? .notInFlight : .notFound)
                }
            }
            return outcomes
        }
    }

    public func counts(queueID: Int64, now: Date) async throws(QueueError) -> QueueCounts {
        let now = now.timeIntervalSince1970
        return try await queueRead { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT COALESCE(SUM(visible_at <= ?), 0) AS visible,
                           COALESCE(SUM(visible_at > ? AND receive_count > 0), 0) AS in_flight,
                           COALESCE(SUM(visible_at > ? AND receive_count = 0), 0) AS delayed
                    FROM queue_messages WHERE queue_id = ? AND expires_at > ?
                    """, arguments: [now, now, now, queueID, now])
            return QueueCounts(visible: row?["visible"] ?? 0, inFlight: row?["in_flight"] ?? 0, delayed: row?["delayed"] ?? 0)
        }
    }

    public func removeExpired(now: Date) async throws(QueueError) -> Int {
        try await queueWrite(inline: false) { db in
            try db.execute(sql: "DELETE FROM queue_messages WHERE expires_at <= ?", arguments: [now.timeIntervalSince1970])
            let removed = db.changesCount
            try db.execute(sql: "DELETE FROM queue_dedup WHERE expires_at <= ?", arguments: [now.timeIntervalSince1970])
            return removed
        }
    }

    // MARK: Helpers

    /// Store errors in SQS's vocabulary: a database failure is an `InternalFailure`.
    /// A message's transaction (send, receive, delete) runs on the calling thread (GRDB's
    /// synchronous write, a serial queue's `sync`): it lasts tens of microseconds, and GRDB's
    /// asynchronous form hops to its writer thread and back, two wake-ups that cost more than the
    /// transaction. Work that may touch many rows (`inline: false`: purging, dropping a queue,
    /// expiring messages) goes through the asynchronous form and blocks no caller's thread.
    func queueWrite<T: Sendable>(inline: Bool = true, _ body: @escaping @Sendable (Database) throws -> T) async throws(QueueError) -> T {
        do {
            return inline ? try writeHere(body) : try await pool.write(body)
        } catch let error as QueueError {
            throw error
        } catch {
            throw QueueError(.internalFailure, "database error: \(error)")
        }
    }

    private func writeHere<T>(_ body: (Database) throws -> T) throws -> T { try pool.write(body) }

    func queueRead<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(QueueError) -> T {
        do {
            return try await pool.read(body)
        } catch let error as QueueError {
            throw error
        } catch {
            throw QueueError(.internalFailure, "database error: \(error)")
        }
    }

    static func queueRow(_ db: Database, name: String) throws -> QueueRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM queues WHERE name = ?", arguments: [name]).map(queueRecord)
    }

    static func queueRecord(_ row: Row) throws -> QueueRecord {
        QueueRecord(
            id: row["id"], name: row["name"], attributes: try decode([String: String].self, row["attributes"]),
            tags: try decode([String: String].self, row["tags"]), createdAt: Date(timeIntervalSince1970: row["created_at"]),
            modifiedAt: Date(timeIntervalSince1970: row["modified_at"]))
    }

    private static func encodeAttributes(_ message: OutgoingMessage) throws(QueueError) -> (attributes: Data?, system: Data?) {
        do {
            return (
                message.attributes.isEmpty ? nil : try encoder.encode(message.attributes),
                message.systemAttributes.isEmpty ? nil : try encoder.encode(message.systemAttributes)
            )
        } catch {
            throw QueueError(.internalFailure, "cannot encode message attributes: \(error)")
        }
    }
}
