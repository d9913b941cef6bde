import Foundation
import GustCore
import GustStoreSQLite
import Logging
import Testing

@testable import GustScheduler

@Suite struct InvocationRecorderTests {
    func record(_ function: String) -> InvocationRecord {
        InvocationRecord(
            requestID: UUID().uuidString, functionName: function, version: "$LATEST", source: "api", mode: .sync,
            outcome: .success, errorType: nil, startTime: Date(), initDurationMs: nil, durationMs: 1, billedDurationMs: 1,
            memorySizeMB: 128, maxMemoryUsedMB: nil, instanceID: nil, output: "")
    }

    /// Retention trims the functions that were just recorded: the recorder names each one once,
    /// after its records are stored.
    @Test func namesTheFunctionsItStored() async throws {
        let directory = NSTemporaryDirectory() + "gust-recorder-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SQLiteStore(path: directory + "/gust.sqlite")
        let recorder = InvocationRecorder(log: store, logger: Logger(label: "test"))
        let running = Task { try await recorder.run() }
        #expect(recorder.takeRecordedFunctions().isEmpty)
        for function in ["a", "b", "a"] { recorder.submit(record(function)) }
        await recorder.flush()
        #expect(recorder.takeRecordedFunctions() == ["a", "b"])
        #expect(recorder.takeRecordedFunctions().isEmpty)
        #expect(try await store.invocations(function: "a", since: nil, limit: 10).count == 2)
        // The recorder stops writing before its database is deleted.
        running.cancel()
        _ = await running.result
    }
}
