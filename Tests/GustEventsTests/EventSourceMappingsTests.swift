import Foundation
import GustCore
import GustQueue
import GustStoreSQLite
import Synchronization
import Testing

@testable import GustEvents

@Suite struct EventSourceMappingsTests {
    let store: SQLiteStore
    let queues: QueueService
    let mappings: EventSourceMappings
    let changes = Counter()

    final class Counter: Sendable {
        let value = Mutex(0)
        func withLock<T>(_ body: (inout Int) -> T) -> T { value.withLock { body(&$0) } }
    }

    init() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gust-events-\(UUID().uuidString).sqlite").path
        store = try SQLiteStore(path: path)
        queues = QueueService(store: store)
        let changes = self.changes
        mappings = EventSourceMappings(store: store, functions: store, queues: queues, changed: { changes.withLock { $0 += 1 } })
        try await store.createFunction(FunctionConfiguration(name: "f", runtime: "python3.11", handler: "app.handler", codeSha256: "", codeID: "", codeSize: 0))
        _ = try await queues.createQueue(name: "q", attributes: [:], tags: [:])
        _ = try await queues.createQueue(name: "q.fifo", attributes: ["FifoQueue": "true"], tags: [:])
    }

    let arn = "arn:aws:sqs:us-east-1:000000000000:q"

    @Test func createTakesLambdasDefaultsAndTellsThePollers() async throws {
        let mapping = try await mappings.create(eventSourceArn: arn, .init(functionName: "f"))
        #expect(mapping.batchSize == 10)
        #expect(mapping.maximumBatchingWindowSeconds == 0)
        #expect(mapping.enabled)
        #expect(!mapping.reportBatchItemFailures)
        #expect(mapping.maximumConcurrency == nil)
        #expect(changes.withLock { $0 } == 1)
        var stored = try await mappings.get(mapping.uuid)
        // The store keeps times to the millisecond.
        #expect(abs(stored.lastModified.timeIntervalSince(mapping.lastModified)) < 0.001)
        stored.lastModified = mapping.lastModified
        #expect(stored == mapping)
        let qualified = try await mappings.create(
            eventSourceArn: "arn:aws:sqs:us-east-1:000000000000:q.fifo",
            .init(functionName: "arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST", functionResponseTypes: ["ReportBatchItemFailures"]))
        #expect(qualified.functionName == "f" && qualified.qualifier == "$LATEST")
        #expect(qualified.reportBatchItemFailures)
    }

    @Test func limitsAndConflicts() async throws {
        func fails(_ code: GustError.Code, _ body: () async throws -> Void) async {
            do {
                try await body()
                Issue.record("expected \(code)")
            } catch {
                #expect((error as? GustError)?.code == code, "\(error)")
            }
        }
        await fails(.invalidParameterValue) { _ = try await mappings.create(eventSourceArn: arn, .init(functionName: "f", batchSize: 0)) }
        await fails(.invalidParameterValue) { _ = try await mappings.create(eventSourceArn: arn, .init(functionName: "f", batchSize: 11)) }
        await fails(.invalidParameterValue) { _ = try await mappings.create(eventSourceArn: arn, .init(functionName: "f", maximumBatchingWindowSeconds: 301)) }
        await fails(.invalidParameterValue) { _ = try await mappings.create(eventSourceArn: arn, .init(functionName: "f", maximumConcurrency: .some(1))) }
        await fails(.invalidParameterValue) {
            _ = try await mappings.create(eventSourceArn: "arn:aws:sqs:us-east-1:000000000000:q.fifo", .init(functionName: "f", batchSize: 11, maximumBatchingWindowSeconds: 1))
        }
        await fails(.invalidParameterValue) { _ = try await mappings.create(eventSourceArn: "arn:aws:sqs:us-east-1:000000000000:nope", .init(functionName: "f")) }
        await fails(.invalidParameterValue) { _ = try await mappings.create(eventSourceArn: "arn:aws:kinesis:us-east-1:000000000000:stream/s", .init(functionName: "f")) }
        await fails(.invalidParameterValue) { _ = try await mappings.create(eventSourceArn: nil, .init(functionName: "f")) }
        await fails(.resourceNotFound) { _ = try await mappings.create(eventSourceArn: arn, .init(functionName: "g")) }
        await fails(.resourceNotFound) { _ = try await mappings.create(eventSourceArn: arn, .init(functionName: "f:nosuchalias")) }
        #expect(changes.withLock { $0 } == 0)

        let made = try await mappings.create(eventSourceArn: arn, .init(functionName: "f", batchSize: 100, maximumBatchingWindowSeconds: 1))
        await fails(.resourceConflict) { _ = try await mappings.create(eventSourceArn: arn, .init(functionName: "f")) }
        await fails(.invalidParameterValue) { _ = try await mappings.update(made.uuid, .init(maximumBatchingWindowSeconds: 0)) }
        let updated = try await mappings.update(made.uuid, .init(batchSize: 5, maximumBatchingWindowSeconds: 0, enabled: false, maximumConcurrency: .some(4)))
        #expect(updated.batchSize == 5 && !updated.enabled && updated.maximumConcurrency == 4)
        let cleared = try await mappings.update(made.uuid, .init(maximumConcurrency: .some(nil)))
        #expect(cleared.maximumConcurrency == nil)
        _ = try await mappings.delete(made.uuid)
        await fails(.resourceNotFound) { _ = try await mappings.get(made.uuid) }
        await fails(.resourceNotFound) { _ = try await mappings.delete(made.uuid) }
    }

    @Test func listFiltersAndPages() async throws {
        _ = try await queues.createQueue(name: "r", attributes: [:], tags: [:])
        let a = try await mappings.create(eventSourceArn: arn, .init(functionName: "f", tags: ["gust:deploy": "app"]))
        let b = try await mappings.create(eventSourceArn: "arn:aws:sqs:us-east-1:000000000000:r", .init(functionName: "f"))
        let all = try await mappings.list(functionName: "f", eventSourceArn: nil, marker: nil, maxItems: nil)
        #expect(Set(all.mappings.map(\.uuid)) == [a.uuid, b.uuid])
        #expect(all.nextMarker == nil)
        let first = try await mappings.list(functionName: nil, eventSourceArn: nil, marker: nil, maxItems: 1)
        #expect(first.mappings.count == 1)
        let second = try await mappings.list(functionName: nil, eventSourceArn: nil, marker: first.nextMarker, maxItems: 1)
        #expect(second.mappings.count == 1 && second.mappings[0].uuid != first.mappings[0].uuid)
        #expect(try await mappings.list(functionName: nil, eventSourceArn: arn, marker: nil, maxItems: nil).mappings.map(\.uuid) == [a.uuid])
        #expect(try await mappings.list(functionName: "g", eventSourceArn: nil, marker: nil, maxItems: nil).mappings.isEmpty)
        #expect(try await mappings.tags(arn: a.arn) == ["gust:deploy": "app"])
    }
}
