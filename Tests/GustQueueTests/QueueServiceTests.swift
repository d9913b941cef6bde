import Foundation
import GustStoreSQLite
import Testing

@testable import GustQueue

/// The service over the real SQLite store, in a fresh database per test.
@Suite struct QueueServiceTests {
    let service: QueueService

    init() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gust-queue-\(UUID().uuidString).sqlite").path
        service = QueueService(store: try SQLiteStore(path: path))
    }

    @Test func sendReceiveDelete() async throws {
        let queue = try await service.createQueue(name: "q", attributes: [:], tags: [:])
        let sent = try await service.send(queue, [SendEntry(body: "one"), SendEntry(body: "two")], senderID: "me")
        #expect(sent.allSatisfy { (try? $0.get()) != nil })
        let received = try await service.receive(queue, ReceiveOptions(maxMessages: 10, visibilitySeconds: 30))
        #expect(Set(received.map(\.body)) == ["one", "two"])
        // In flight: nothing more to receive.
        #expect(try await service.receive(queue, ReceiveOptions(maxMessages: 10)).isEmpty)
        let counts = try await service.store.counts(queueID: queue.id, now: Date())
        #expect(counts == QueueCounts(visible: 0, inFlight: 2, delayed: 0))
        _ = try await service.delete(queue, receipts: received.map(\.receipt.encoded))
        #expect(try await service.store.counts(queueID: queue.id, now: Date()) == QueueCounts(visible: 0, inFlight: 0, delayed: 0))
    }

    @Test func visibilityTimeoutReturnsTheMessage() async throws {
        let queue = try await service.createQueue(name: "v", attributes: [:], tags: [:])
        _ = try await service.send(queue, [SendEntry(body: "x")], senderID: "me")
        let first = try await service.receive(queue, ReceiveOptions(visibilitySeconds: 30))
        let results = try await service.changeVisibility(queue, [(first[0].receipt.encoded, 0)])
        #expect((try? results[0].get()) != nil)
        let again = try await service.receive(queue, ReceiveOptions())
        #expect(again.first?.messageID == first[0].messageID)
        #expect(again.first?.receiveCount == 2)
        // An older receipt still works while the message is in flight (as on AWS)...
        let older = try await service.changeVisibility(queue, [(first[0].receipt.encoded, 0)])
        #expect((try? older[0].get()) != nil)
        // ...but not once it is visible again.
        let visible = try await service.changeVisibility(queue, [(again[0].receipt.encoded, 10)])
        #expect(throws: QueueError.self) { try visible[0].get() }
    }

    @Test func delayedMessagesWait() async throws {
        let queue = try await service.createQueue(name: "d", attributes: ["DelaySeconds": "1"], tags: [:])
        _ = try await service.send(queue, [SendEntry(body: "later")], senderID: "me")
        #expect(try await service.receive(queue, ReceiveOptions()).isEmpty)
        #expect(try await service.store.counts(queueID: queue.id, now: Date()).delayed == 1)
        let waited = try await service.receive(queue, ReceiveOptions(waitSeconds: 5))
        #expect(waited.map(\.body) == ["later"])
    }

    @Test func fifoKeepsGroupOrderAndBlocksAGroupInFlight() async throws {
        let queue = try await service.createQueue(name: "f.fifo", attributes: ["FifoQueue": "true"], tags: [:])
        let entries = (0..<4).map { SendEntry(body: "m\($0)", groupID: $0 < 3 ? "a" : "b", deduplicationID: "d\($0)") }
        _ = try await service.send(queue, entries, senderID: "me")
        let first = try await service.receive(queue, ReceiveOptions(maxMessages: 2))
        #expect(first.map(\.body) == ["m0", "m1"])
        // Group a is in flight: only b's message comes.
        let second = try await service.receive(queue, ReceiveOptions(maxMessages: 10))
        #expect(second.map(\.body) == ["m3"])
        _ = try await service.delete(queue, receipts: first.map(\.receipt.encoded))
        #expect(try await service.receive(queue, ReceiveOptions(maxMessages: 10)).map(\.body) == ["m2"])
        #expect(first[0].sequenceNumber! < first[1].sequenceNumber!)
    }

    @Test func fifoDeduplicates() async throws {
        let queue = try await service.createQueue(
            name: "dd.fifo", attributes: ["FifoQueue": "true", "ContentBasedDeduplication": "true"], tags: [:])
        let one = try await service.send(queue, [SendEntry(body: "same", groupID: "g")], senderID: "me")
        let two = try await service.send(queue, [SendEntry(body: "same", groupID: "g")], senderID: "me")
        #expect(try one[0].get().messageID == two[0].get().messageID)
        #expect(try two[0].get().duplicate)
        #expect(try await service.receive(queue, ReceiveOptions(maxMessages: 10)).count == 1)
    }

    @Test func redriveMovesToTheDeadLetterQueue() async throws {
        let dlq = try await service.createQueue(name: "dlq", attributes: [:], tags: [:])
        let policy = #"{"deadLetterTargetArn":"\#(service.arn("dlq"))","maxReceiveCount":1}"#
        let queue = try await service.createQueue(name: "src", attributes: ["RedrivePolicy": policy], tags: [:])
        _ = try await service.send(queue, [SendEntry(body: "poison")], senderID: "me")
        let first = try await service.receive(queue, ReceiveOptions())
        _ = try await service.changeVisibility(queue, [(first[0].receipt.encoded, 0)])
        #expect(try await service.receive(queue, ReceiveOptions()).isEmpty)
        let dead = try await service.receive(dlq, ReceiveOptions())
        #expect(dead.map(\.body) == ["poison"])
        #expect(dead.first?.messageID == first[0].messageID)
        #expect(try await service.deadLetterSources(of: dlq).queues.map(\.name) == ["src"])
        _ = try await service.createQueue(name: "src2", attributes: ["RedrivePolicy": policy], tags: [:])
        let page1 = try await service.deadLetterSources(of: dlq, maxResults: 1)
        #expect(page1.queues.map(\.name) == ["src"])
        let second = try await service.deadLetterSources(of: dlq, nextToken: page1.nextToken, maxResults: 1)
        #expect(second.queues.map(\.name) == ["src2"] && second.nextToken == nil)
    }

    @Test func createIsIdempotentOnlyWithTheSameAttributes() async throws {
        _ = try await service.createQueue(name: "same", attributes: ["VisibilityTimeout": "10"], tags: [:])
        _ = try await service.createQueue(name: "same", attributes: ["VisibilityTimeout": "10"], tags: [:])
        await #expect(throws: QueueError(.queueNameExists, "A queue already exists with the same name and a different value for attribute VisibilityTimeout")) {
            _ = try await service.createQueue(name: "same", attributes: ["VisibilityTimeout": "11"], tags: [:])
        }
    }

    @Test func listPagesByName() async throws {
        for name in ["a1", "a2", "a3", "b1"] { _ = try await service.createQueue(name: name, attributes: [:], tags: [:]) }
        let first = try await service.listQueues(prefix: "a", nextToken: nil, maxResults: 2)
        #expect(first.queues.map(\.name) == ["a1", "a2"])
        let second = try await service.listQueues(prefix: "a", nextToken: first.nextToken, maxResults: 2)
        #expect(second.queues.map(\.name) == ["a3"])
        #expect(second.nextToken == nil)
    }

    @Test func rejectsBadMessages() async throws {
        let queue = try await service.createQueue(name: "bad", attributes: [:], tags: [:])
        let results = try await service.send(
            queue,
            [
                SendEntry(body: "\u{1}"), SendEntry(body: String(repeating: "x", count: 262_145)),
                SendEntry(body: "ok", attributes: ["n": .init(dataType: "Number", stringValue: "abc")]),
                SendEntry(body: "ok", attributes: ["x": .init(dataType: "Blob", stringValue: "abc")]),
            ], senderID: "me")
        let codes = results.map { result -> QueueError.Code? in
            if case .failure(let error) = result { return error.code }
            return nil
        }
        #expect(codes == [.invalidMessageContents, .invalidParameterValue, .invalidParameterValue, .invalidParameterValue])
    }
}
