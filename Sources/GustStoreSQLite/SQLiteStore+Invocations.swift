import Foundation
import GRDB
import GustCore
import GustStore

extension SQLiteStore: InvocationLog {
    public func record(_ records: [InvocationRecord]) async throws(GustError) {
        try await write { db in
            let statement = try db.cachedStatement(
                sql: """
                    INSERT INTO invocations (request_id, function, version, source, mode, outcome, error_type,
                        start_time, init_ms, duration_ms, billed_ms, memory_mb, max_memory_mb, instance_id, logs)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for r in records {
                try statement.execute(arguments: [
                    r.requestID, r.functionName, r.version, r.source, r.mode.rawValue, r.outcome.rawValue, r.errorType,
                    r.startTime.timeIntervalSince1970, r.initDurationMs, r.durationMs, r.billedDurationMs, r.memorySizeMB,
                    r.maxMemoryUsedMB, r.instanceID, r.logs,
                ])
            }
        }
    }

    static func record(from row: Row) throws -> InvocationRecord {
        guard let mode = InvocationMode(rawValue: row["mode"]), let outcome = InvocationOutcome(rawValue: row["outcome"]) else {
            throw GustError.internalError("invocation record with unknown mode or outcome")
        }
        return InvocationRecord(
            requestID: row["request_id"], functionName: row["function"], version: row["version"], source: row["source"],
            mode: mode, outcome: outcome, errorType: row["error_type"],
            startTime: Date(timeIntervalSince1970: row["start_time"]), initDurationMs: row["init_ms"],
            durationMs: row["duration_ms"], billedDurationMs: row["billed_ms"], memorySizeMB: row["memory_mb"],
            maxMemoryUsedMB: row["max_memory_mb"], instanceID: row["instance_id"], logs: row["logs"])
    }

    public func invocations(function: String?, since: Date?, limit: Int) async throws(GustError) -> [InvocationRecord] {
        let since = since?.timeIntervalSince1970 ?? 0
        let limit = min(max(limit, 1), 1000)
        return try await read { db in
            let rows: [Row]
            if let function {
                rows = try Row.fetchAll(
                    db, sql: "SELECT * FROM invocations WHERE function = ? AND start_time > ? ORDER BY id DESC LIMIT ?",
                    arguments: [function, since, limit])
            } else {
                rows = try Row.fetchAll(
                    db, sql: "SELECT * FROM invocations WHERE start_time > ? ORDER BY id DESC LIMIT ?",
                    arguments: [since, limit])
            }
            return try rows.map(Self.record(from:))
        }
    }

    public func recordsInOrder(function: String, afterID: Int64?, limit: Int) async throws(GustError) -> [(id: Int64, record: InvocationRecord)] {
        let limit = min(max(limit, 1), 1000)
        return try await read { db in
            let sql = afterID == nil
                ? "SELECT * FROM (SELECT * FROM invocations WHERE function = ? ORDER BY id DESC LIMIT ?) ORDER BY id"
                : "SELECT * FROM invocations WHERE function = ? AND id > ? ORDER BY id LIMIT ?"
            let arguments: StatementArguments = afterID.map { [function, $0, limit] } ?? [function, limit]
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                (id: row["id"] as Int64, record: try Self.record(from: row))
            }
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
