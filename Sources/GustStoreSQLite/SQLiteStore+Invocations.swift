import Foundation
import GRDB
import GustCore
import GustStore

extension SQLiteStore: InvocationLog {
    public func record(_ record: InvocationRecord) async throws(GustError) {
        let json: String
        do { json = try Self.encode(record) } catch { throw .internalError("cannot encode record: \(error)") }
        try await write { db in
            try db.execute(
                sql: "INSERT INTO invocations (request_id, function, start_time, record) VALUES (?, ?, ?, ?)",
                arguments: [record.requestID, record.functionName, record.startTime.timeIntervalSince1970, json])
        }
    }

    public func invocations(function: String?, since: Date?, limit: Int) async throws(GustError) -> [InvocationRecord] {
        let since = since?.timeIntervalSince1970 ?? 0
        return try await read { db in
            let rows: [String]
            if let function {
                rows = try String.fetchAll(
                    db,
                    sql: "SELECT record FROM invocations WHERE function = ? AND start_time > ? ORDER BY id DESC LIMIT ?",
                    arguments: [function, since, limit])
            } else {
                rows = try String.fetchAll(
                    db, sql: "SELECT record FROM invocations WHERE start_time > ? ORDER BY id DESC LIMIT ?",
                    arguments: [since, limit])
            }
            return try rows.map { try Self.decode(InvocationRecord.self, $0) }
        }
    }

    public func prune(olderThan: Date, keepPerFunction: Int) async throws(GustError) -> Int {
        try await write { db in
            try db.execute(
                sql: "DELETE FROM invocations WHERE start_time < ?", arguments: [olderThan.timeIntervalSince1970])
            var removed = db.changesCount
            try db.execute(
                sql: """
                    DELETE FROM invocations WHERE id IN (
                        SELECT id FROM (
                            SELECT id, ROW_NUMBER() OVER (PARTITION BY function ORDER BY id DESC) AS rank
                            FROM invocations
                        ) WHERE rank > ?
                    )
                    """, arguments: [keepPerFunction])
            removed += db.changesCount
            return removed
        }
    }
}
