import Foundation
import GRDB
import GustCore
import GustStore

extension SQLiteStore: InvocationLog {
    public func record(_ records: [InvocationRecord]) async throws(GustError) {
        let rows: [(InvocationRecord, String)]
        do { rows = try records.map { ($0, try Self.encode($0)) } } catch { throw .internalError("cannot encode record: \(error)") }
        try await write { db in
            let statement = try db.cachedStatement(
                sql: "INSERT INTO invocations (request_id, function, start_time, record) VALUES (?, ?, ?, ?)")
            for (record, json) in rows {
                try statement.execute(arguments: [record.requestID, record.functionName, record.startTime.timeIntervalSince1970, json])
            }
        }
    }

    public func invocations(function: String?, since: Date?, limit: Int) async throws(GustError) -> [InvocationRecord] {
        let since = since?.timeIntervalSince1970 ?? 0
        let limit = min(max(limit, 1), 1000)
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

    public func recordsInOrder(function: String, afterID: Int64?, limit: Int) async throws(GustError) -> [(id: Int64, record: InvocationRecord)] {
        let limit = min(max(limit, 1), 1000)
        let rows: [(Int64, String)] = try await read { db in
            let sql = afterID == nil
                ? "SELECT id, record FROM (SELECT id, record FROM invocations WHERE function = ? ORDER BY id DESC LIMIT ?) ORDER BY id"
                : "SELECT id, record FROM invocations WHERE function = ? AND id > ? ORDER BY id LIMIT ?"
            let arguments: StatementArguments = afterID.map { [function, $0, limit] } ?? [function, limit]
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { ($0["id"], $0["record"]) }
        }
        do {
            return try rows.map { (id: $0.0, record: try Self.decode(InvocationRecord.self, $0.1)) }
        } catch {
            throw .internalError("cannot decode invocation record: \(error)")
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
