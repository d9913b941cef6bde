import Foundation
import GRDB
#if canImport(GRDBSQLite)
import GRDBSQLite
#else
import SQLite3
#endif
import GustCore
import GustStore

extension SQLiteStore: InvocationLog {
    public func record(_ records: [InvocationRecord]) async throws(GustError) {
        try await write { db in
            let statement = try db.cachedStatement(
                sql: """
                    INSERT INTO invocations (request_id, function, version, source, mode, outcome, error_type,
                        start_time, init_ms, duration_ms, billed_ms, memory_mb, max_memory_mb, instance_id, output)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            // Bound through SQLite's C API: GRDB's `StatementArguments` boxes every value and
            // cost more than the insert itself, for a row written per invocation.
            let handle = statement.sqliteStatement
            for r in records {
                sqlite3_reset(handle)
                Self.bind(handle, 1, r.requestID)
                Self.bind(handle, 2, r.functionName)
                Self.bind(handle, 3, r.version)
                Self.bind(handle, 4, r.source)
                Self.bind(handle, 5, r.mode.rawValue)
                Self.bind(handle, 6, r.outcome.rawValue)
                Self.bind(handle, 7, r.errorType)
                sqlite3_bind_double(handle, 8, r.startTime.timeIntervalSince1970)
                if let initMs = r.initDurationMs { sqlite3_bind_double(handle, 9, initMs) } else { sqlite3_bind_null(handle, 9) }
                sqlite3_bind_double(handle, 10, r.durationMs)
                sqlite3_bind_int64(handle, 11, Int64(r.billedDurationMs))
                sqlite3_bind_int64(handle, 12, Int64(r.memorySizeMB))
                if let used = r.maxMemoryUsedMB { sqlite3_bind_int64(handle, 13, Int64(used)) } else { sqlite3_bind_null(handle, 13) }
                Self.bind(handle, 14, r.instanceID)
                Self.bind(handle, 15, r.output)
                let code = sqlite3_step(handle)
                guard code == SQLITE_DONE else {
                    throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
                }
            }
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }
    }

    private static func bind(_ statement: OpaquePointer, _ index: Int32, _ text: String?) {
        guard var text else {
            sqlite3_bind_null(statement, index)
            return
        }
        text.withUTF8 { bytes in
            guard let base = bytes.baseAddress, !bytes.isEmpty else {
                _ = sqlite3_bind_text(statement, index, "", 0, nil)
                return
            }
            // SQLITE_TRANSIENT: SQLite copies the text before this returns.
            _ = sqlite3_bind_text(
                statement, index, UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self), Int32(bytes.count),
                unsafeBitCast(-1, to: sqlite3_destructor_type.self))
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
            maxMemoryUsedMB: row["max_memory_mb"], instanceID: row["instance_id"], output: row["output"])
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

    /// Rows deleted per write transaction: the recorder's inserts wait at most one chunk.
    static let pruneChunk = 2000

    /// Deletes in chunks of `pruneChunk` rows, each its own transaction, and finds what to delete
    /// through the rowid and the `function` index only. One statement over the whole table (a
    /// window function ranking every row) held the writer and a core for seconds once a busy
    /// function had a few hundred thousand rows, and throughput dropped while it ran.
    public func prune(olderThan: Date, keepPerFunction: Int) async throws(GustError) -> Int {
        // By age. Rows are appended as invocations end, so start times rise with the id apart
        // from calls that overlapped: everything below the first young row goes, without a time
        // index, visiting only the rows it deletes. A straggler goes in a later pass.
        let ageLimit = try await read { db in
            try Int64.fetchOne(
                db,
                sql: """
                    SELECT coalesce(
                        (SELECT id FROM invocations WHERE start_time >= ? ORDER BY id LIMIT 1),
                        (SELECT max(id) + 1 FROM invocations))
                    """, arguments: [olderThan.timeIntervalSince1970])
        }
        var removed = 0
        if let ageLimit {
            removed += try await deleteInChunks(
                sql: "DELETE FROM invocations WHERE id IN (SELECT id FROM invocations WHERE id < ? ORDER BY id LIMIT ?)",
                arguments: [ageLimit])
        }
        // By count: every function, found by skipping through the index.
        var after: String? = nil
        while true {
            let previous = after ?? ""
            guard let function = try await read({ db in
                try String.fetchOne(db, sql: "SELECT min(function) FROM invocations WHERE function > ?", arguments: [previous])
            }) else { break }
            after = function
            removed += try await prune(function: function, keep: keepPerFunction)
        }
        return removed
    }

    public func prune(functions: [String], keepPerFunction: Int) async throws(GustError) -> Int {
        var removed = 0
        for function in functions { removed += try await prune(function: function, keep: keepPerFunction) }
        return removed
    }

    /// All but the newest `keep` rows of `function`.
    private func prune(function: String, keep: Int) async throws(GustError) -> Int {
        let boundary = try await read { db in
            try Int64.fetchOne(
                db, sql: "SELECT id FROM invocations WHERE function = ? ORDER BY id DESC LIMIT 1 OFFSET ?",
                arguments: [function, keep])
        }
        guard let boundary else { return 0 }
        return try await deleteInChunks(
            sql: """
                DELETE FROM invocations WHERE id IN (
                    SELECT id FROM invocations WHERE function = ? AND id <= ? ORDER BY id LIMIT ?)
                """, arguments: [function, boundary])
    }

    private func deleteInChunks(sql: String, arguments: StatementArguments) async throws(GustError) -> Int {
        var removed = 0
        while true {
            let count = try await write { db in
                try db.execute(sql: sql, arguments: arguments + [Self.pruneChunk])
                return db.changesCount
            }
            removed += count
            if count < Self.pruneChunk { return removed }
        }
    }
}
