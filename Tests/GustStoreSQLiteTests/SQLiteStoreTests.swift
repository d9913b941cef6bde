import Foundation
import GRDB
import GustCore
import GustStore
import Testing

@testable import GustStoreSQLite

@Suite struct SQLiteStoreTests {
    let directory: String
    let store: SQLiteStore

    init() throws {
        directory = NSTemporaryDirectory() + "gust-store-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        store = try SQLiteStore(path: directory + "/gust.sqlite")
    }

    func config(_ name: String, handler: String = "app.handler") -> FunctionConfiguration {
        FunctionConfiguration(name: name, runtime: "python3.12", handler: handler, codeSha256: "sha", codeID: "id", codeSize: 1)
    }

    @Test func createGetListDelete() async throws {
        try await store.createFunction(config("b"))
        try await store.createFunction(config("a"))
        try await store.createFunction(config("c"))
        await #expect(throws: GustError.self) { try await store.createFunction(config("a")) }
        #expect(try await store.latest("a")?.name == "a")
        #expect(try await store.listFunctions(after: nil, limit: 2).map(\.name) == ["a", "b"])
        #expect(try await store.listFunctions(after: "b", limit: 2).map(\.name) == ["c"])
        try await store.deleteFunction("b")
        #expect(try await store.latest("b") == nil)
        do {
            try await store.deleteFunction("b")
            Issue.record("deleting twice must fail")
        } catch {
            #expect(error.code == .resourceNotFound)
        }
    }

    @Test func publishingFreezesVersionsAndSkipsUnchanged() async throws {
        try await store.createFunction(config("f"))
        let v1 = try await store.publishVersion("f", description: "first")
        #expect(v1.version == "1")
        #expect(try await store.publishVersion("f", description: nil).version == "1")
        var changed = config("f", handler: "other.handler")
        changed.revisionID = "new"
        try await store.updateLatest(changed)
        let v2 = try await store.publishVersion("f", description: nil)
        #expect(v2.version == "2")
        #expect(try await store.version("f", "1")?.handler == "app.handler")
        #expect(try await store.version("f", "2")?.handler == "other.handler")
        #expect(try await store.versions("f").map(\.version) == ["$LATEST", "1", "2"])
    }

    @Test func aliasesAndConcurrency() async throws {
        try await store.createFunction(config("g"))
        let alias = Alias(functionName: "g", name: "live", functionVersion: "1", revisionID: "r")
        try await store.createAlias(alias)
        await #expect(throws: GustError.self) { try await store.createAlias(alias) }
        var updated = alias
        updated.functionVersion = "2"
        try await store.updateAlias(updated)
        #expect(try await store.alias("g", "live")?.functionVersion == "2")
        try await store.deleteAlias("g", "live")
        #expect(try await store.aliases("g").isEmpty)
        try await store.setReservedConcurrency("g", 2)
        #expect(try await store.reservedConcurrency("g") == 2)
        try await store.setReservedConcurrency("g", nil)
        #expect(try await store.reservedConcurrency("g") == nil)
    }

    @Test func asyncQueueLeasesRetriesAndDeduplicates() async throws {
        let now = Date()
        let event = AsyncEvent(requestID: "r1", functionName: "f", qualifier: nil, payload: Array("{}".utf8), enqueuedAt: now, notBefore: now)
        #expect(try await store.enqueue(event))
        #expect(try await store.enqueue(event) == false)
        let claimed = try await store.claim(limit: 5, now: now, lease: 60)
        #expect(claimed.map(\.requestID) == ["r1"])
        // Leased: not claimable again until the lease lapses or is released.
        #expect(try await store.claim(limit: 5, now: now, lease: 60).isEmpty)
        #expect(try await store.claim(limit: 5, now: now.addingTimeInterval(61), lease: 60).count == 1)
        try await store.releaseLeases()
        try await store.reschedule(claimed[0].id, attempts: 1, notBefore: now.addingTimeInterval(10))
        #expect(try await store.claim(limit: 5, now: now, lease: 60).isEmpty)
        let due = try await store.claim(limit: 5, now: now.addingTimeInterval(11), lease: 60)
        #expect(due.first?.attempts == 1)
        try await store.deadLetter(due[0].id, attempts: 3, reason: "gave up")
        #expect(try await store.pendingCount() == 0)
    }

    @Test func recordsArePrunedByAgeAndCount() async throws {
        let old = Date(timeIntervalSinceNow: -10 * 86400)
        for (index, start) in [old, Date(), Date(), Date()].enumerated() {
            try await store.record([
                InvocationRecord(
                    requestID: "r\(index)", functionName: "f", version: "$LATEST", source: "api", mode: .sync,
                    outcome: .success, errorType: nil, startTime: start, initDurationMs: nil, durationMs: 1,
                    billedDurationMs: 1, memorySizeMB: 128, maxMemoryUsedMB: nil, instanceID: nil, output: "line\n")])
        }
        #expect(try await store.invocations(function: "f", since: nil, limit: 10).count == 4)
        let removed = try await store.prune(olderThan: Date(timeIntervalSinceNow: -86400), keepPerFunction: 2)
        #expect(removed == 2)
        #expect(try await store.invocations(function: "f", since: nil, limit: 10).map(\.requestID) == ["r3", "r2"])
        // Everything older than the cutoff: nothing is left.
        #expect(try await store.prune(olderThan: Date(timeIntervalSinceNow: 60), keepPerFunction: 2) == 2)
        #expect(try await store.invocations(function: "f", since: nil, limit: 10).isEmpty)
    }

    /// More rows than one delete chunk, several functions: each keeps exactly its newest rows.
    @Test func pruningByCountKeepsEachFunctionsNewest() async throws {
        func record(_ function: String, _ index: Int) -> InvocationRecord {
            InvocationRecord(
                requestID: "\(function)-\(index)", functionName: function, version: "$LATEST", source: "api", mode: .sync,
                outcome: .success, errorType: nil, startTime: Date(), initDurationMs: nil, durationMs: 1,
                billedDurationMs: 1, memorySizeMB: 128, maxMemoryUsedMB: nil, instanceID: nil, output: "")
        }
        let busy = SQLiteStore.pruneChunk * 2 + 500
        var batch: [InvocationRecord] = []
        for index in 0..<busy {
            batch.append(record("busy", index))
            // Interleaved, as concurrent functions' records are.
            if index % 1000 == 0 { batch.append(record("quiet", index / 1000)) }
        }
        try await store.record(batch)
        let removed = try await store.prune(olderThan: Date(timeIntervalSinceNow: -60), keepPerFunction: 1000)
        #expect(removed == busy - 1000)
        let kept = try await store.recordsInOrder(function: "busy", afterID: nil, limit: 1000)
        #expect(kept.count == 1000)
        #expect(kept.first?.record.requestID == "busy-\(busy - 1000)")
        #expect(kept.last?.record.requestID == "busy-\(busy - 1)")
        #expect(try await store.recordsInOrder(function: "quiet", afterID: nil, limit: 10).count == 5)
        #expect(try await store.prune(olderThan: Date(timeIntervalSinceNow: -60), keepPerFunction: 1000) == 0)
        // Only the named functions, as the frequent passes do.
        #expect(try await store.prune(functions: ["busy", "absent"], keepPerFunction: 10) == 990)
        #expect(try await store.recordsInOrder(function: "busy", afterID: nil, limit: 1000).count == 10)
        #expect(try await store.recordsInOrder(function: "quiet", afterID: nil, limit: 10).count == 5)
    }

    /// Readers page by id (`gust logs --follow`): an id is never handed out twice, even once
    /// pruning emptied the table.
    @Test func idsAreNotReusedAfterPruningEverything() async throws {
        func record(_ id: String) -> InvocationRecord {
            InvocationRecord(
                requestID: id, functionName: "i", version: "$LATEST", source: "api", mode: .sync, outcome: .success,
                errorType: nil, startTime: Date(), initDurationMs: nil, durationMs: 1, billedDurationMs: 1,
                memorySizeMB: 128, maxMemoryUsedMB: nil, instanceID: nil, output: "")
        }
        try await store.record([record("first")])
        let first = try await store.recordsInOrder(function: "i", afterID: nil, limit: 1)
        #expect(try await store.prune(olderThan: Date(timeIntervalSinceNow: 60), keepPerFunction: 10) == 1)
        try await store.record([record("second")])
        let second = try await store.recordsInOrder(function: "i", afterID: first.first?.id, limit: 10)
        #expect(second.map(\.record.requestID) == ["second"])
    }

    /// Rows written before v5 held the whole log text; the migration keeps the function's output,
    /// and the rendered logs read the same as before.
    @Test func oldLogTextBecomesOutput() async throws {
        let path = directory + "/old.sqlite"
        let old = try DatabaseQueue(path: path)
        try SQLiteStore.migrator.migrate(old, upTo: "v4-function-urls")
        let framed =
            "START RequestId: q1 Version: $LATEST\nhello\nEND RequestId: q1\n"
            + "REPORT RequestId: q1\tDuration: 2.00 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\n"
        try await old.write { db in
            for (id, logs) in [("q1", framed), ("q2", "")] {
                try db.execute(
                    sql: """
                        INSERT INTO invocations (request_id, function, version, source, mode, outcome, start_time,
                            duration_ms, billed_ms, memory_mb, logs)
                        VALUES (?, 'm', '$LATEST', 'api', 'RequestResponse', 'Success', 1, 2, 2, 128, ?)
                        """, arguments: [id, logs])
            }
        }
        try old.close()
        let migrated = try SQLiteStore(path: path)
        let records = try await migrated.invocations(function: "m", since: nil, limit: 10)
        #expect(records.map(\.output) == ["", "hello\n"])
        #expect(records.last?.logs == framed)
    }

    @Test func recordsPageInStorageOrder() async throws {
        func record(_ id: String, started: Date) -> InvocationRecord {
            InvocationRecord(
                requestID: id, functionName: "p", version: "$LATEST", source: "api", mode: .sync, outcome: .success,
                errorType: nil, startTime: started, initDurationMs: nil, durationMs: 1, billedDurationMs: 1,
                memorySizeMB: 128, maxMemoryUsedMB: nil, instanceID: nil, output: "\(id)\n")
        }
        let now = Date()
        try await store.record([record("a", started: now)])
        let first = try await store.recordsInOrder(function: "p", afterID: nil, limit: 10)
        #expect(first.map(\.record.requestID) == ["a"])
        // Started earlier, finished (stored) later: still after the reader's position.
        try await store.record([record("b", started: now.addingTimeInterval(-5)), record("c", started: now)])
        let next = try await store.recordsInOrder(function: "p", afterID: first.last?.id, limit: 10)
        #expect(next.map(\.record.requestID) == ["b", "c"])
        let newest = try await store.recordsInOrder(function: "p", afterID: nil, limit: 2)
        #expect(newest.map(\.record.requestID) == ["b", "c"])
    }

    /// Records are bound through SQLite's C API: every column comes back as written, set or nil,
    /// empty or not ASCII.
    @Test func recordsRoundTripEveryColumn() async throws {
        let start = Date(timeIntervalSince1970: 1_700_000_000.25)
        let full = InvocationRecord(
            requestID: "full", functionName: "rt", version: "3", source: "http", mode: .async, outcome: .timeout,
            errorType: "Sandbox.Timedout", startTime: start, initDurationMs: 12.5, durationMs: 3000.75, billedDurationMs: 3001,
            memorySizeMB: 256, maxMemoryUsedMB: 17, instanceID: "rt-3-1", output: "START ✓\nünïcode\n")
        let sparse = InvocationRecord(
            requestID: "sparse", functionName: "rt", version: "$LATEST", source: "", mode: .sync, outcome: .success,
            errorType: nil, startTime: start.addingTimeInterval(1), initDurationMs: nil, durationMs: 0, billedDurationMs: 1,
            memorySizeMB: 128, maxMemoryUsedMB: nil, instanceID: nil, output: "")
        try await store.record([full, sparse])
        let stored = try await store.invocations(function: "rt", since: nil, limit: 10)
        #expect(stored == [sparse, full])
    }
}
