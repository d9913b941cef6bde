import Foundation
import GRDB
import GustCore
import GustStore

extension SQLiteStore: AsyncEventQueue {
    public func enqueue(_ event: AsyncEvent) async throws(GustError) -> Bool {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO async_events
                        (request_id, function, qualifier, payload, attempts, enqueued_at, not_before, source)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    event.requestID, event.functionName, event.qualifier, Data(event.payload), event.attempts,
                    event.enqueuedAt.timeIntervalSince1970, event.notBefore.timeIntervalSince1970, event.source,
                ])
            return db.changesCount == 1
        }
    }

    public func claim(limit: Int, now: Date, lease: TimeInterval) async throws(GustError) -> [AsyncEvent] {
        let now = now.timeIntervalSince1970
        return try await write { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM async_events WHERE not_before <= ? AND lease_until <= ?
                    ORDER BY not_before, id LIMIT ?
                    """, arguments: [now, now, limit])
            var events: [AsyncEvent] = []
            for row in rows {
                let id: Int64 = row["id"]
                try db.execute(
                    sql: "UPDATE async_events SET lease_until = ? WHERE id = ?", arguments: [now + lease, id])
                let payload: Data = row["payload"]
                events.append(
                    AsyncEvent(
                        id: id, requestID: row["request_id"], functionName: row["function"],
                        qualifier: row["qualifier"], payload: Array(payload), attempts: row["attempts"],
                        enqueuedAt: Date(timeIntervalSince1970: row["enqueued_at"]),
                        notBefore: Date(timeIntervalSince1970: row["not_before"]), source: row["source"]))
            }
            return events
        }
    }

    public func complete(_ id: Int64) async throws(GustError) {
        try await write { db in try db.execute(sql: "DELETE FROM async_events WHERE id = ?", arguments: [id]) }
    }

    public func reschedule(_ id: Int64, attempts: Int, notBefore: Date) async throws(GustError) {
        try await write { db in
            try db.execute(
                sql: "UPDATE async_events SET attempts = ?, not_before = ?, lease_until = 0 WHERE id = ?",
                arguments: [attempts, notBefore.timeIntervalSince1970, id])
        }
    }

    public func deadLetter(_ id: Int64, attempts: Int, reason: String) async throws(GustError) {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO dead_events
                        (id, request_id, function, qualifier, payload, attempts, enqueued_at, failed_at, reason)
                    SELECT id, request_id, function, qualifier, payload, ?, enqueued_at, ?, ?
                    FROM async_events WHERE id = ?
                    """, arguments: [attempts, Date().timeIntervalSince1970, reason, id])
            try db.execute(sql: "DELETE FROM async_events WHERE id = ?", arguments: [id])
        }
    }

    public func releaseLeases() async throws(GustError) {
        try await write { db in try db.execute(sql: "UPDATE async_events SET lease_until = 0") }
    }

    public func pendingCount() async throws(GustError) -> Int {
        try await read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM async_events") ?? 0 }
    }
}
