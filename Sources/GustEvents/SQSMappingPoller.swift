import Foundation
import GustCore
import GustQueue
import GustScheduler
import Logging
import Synchronization

/// Reads one mapping's SQS queue and invokes its function with batches, as Lambda's SQS pollers
/// do: a batch is one synchronous invocation with the SQS event; on success its messages are
/// deleted (all, or all but the reported failures); on failure they stay, become visible again
/// after the queue's visibility timeout, and past maxReceiveCount the queue's redrive moves them
/// to its dead-letter queue. Pollers grow with the backlog up to the limit (`PollerScaling`).
final class SQSMappingPoller: Sendable {
    let mapping: EventSourceMapping
    let queueName: String
    let queues: QueueService
    let invoker: any Invoker
    let logger: Logger
    private let scaling: Mutex<PollerScaling>
    /// How long a poller waits before trying again when the queue or the function is missing.
    static let retryDelay: Duration = .seconds(2)

    init(mapping: EventSourceMapping, queueName: String, queues: QueueService, invoker: any Invoker, limit: Int, logger: Logger) {
        self.mapping = mapping
        self.queueName = queueName
        self.queues = queues
        self.invoker = invoker
        self.scaling = Mutex(PollerScaling(limit: limit))
        var logger = logger
        logger[metadataKey: "mapping"] = "\(mapping.uuid)"
        self.logger = logger
    }

    /// Runs until cancelled; in-flight batches finish (and are deleted) first.
    func run() async {
        let (starts, start) = AsyncStream.makeStream(of: Void.self)
        await withDiscardingTaskGroup { group in
            if scaling.withLock({ $0.start() }) == .startAnother { start.yield() }
            for await _ in starts {
                group.addTask { [self] in await self.poll(start) }
            }
        }
    }

    private func poll(_ start: AsyncStream<Void>.Continuation) async {
        while !Task.isCancelled {
            let queue: QueueRecord
            do {
                queue = try await queues.queue(named: queueName)
            } catch {
                if Task.isCancelled { return }
                logger.warning("event source queue is missing", metadata: ["queue": "\(queueName)"])
                try? await Task.sleep(for: Self.retryDelay)
                continue
            }
            let batch: [ReceivedMessage]
            do {
                batch = try await collect(queue)
            } catch {
                if Task.isCancelled { return }  // stopping: the store call was cut short, not broken
                logger.error("cannot receive from the event source", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: Self.retryDelay)
                continue
            }
            let action = scaling.withLock { $0.received(count: batch.count, full: batch.count >= min(mapping.batchSize, 10)) }
            if action == .startAnother { start.yield() }
            if !batch.isEmpty { await deliver(batch, from: queue) }
            if action == .stop { return }
        }
    }

    /// One batch: a long poll for the first messages, then more until the batch is full or the
    /// batching window, counted from the first message, closes.
    private func collect(_ queue: QueueRecord) async throws(QueueError) -> [ReceivedMessage] {
        var batch = try await queues.receive(queue, ReceiveOptions(maxMessages: min(mapping.batchSize, 10), waitSeconds: 20))
        guard !batch.isEmpty, mapping.maximumBatchingWindowSeconds > 0 else { return batch }
        let windowEnd = Date().addingTimeInterval(TimeInterval(mapping.maximumBatchingWindowSeconds))
        while batch.count < mapping.batchSize, Date() < windowEnd, !Task.isCancelled {
            batch += try await queues.receive(
                queue, ReceiveOptions(maxMessages: min(mapping.batchSize - batch.count, 10), waitUntil: windowEnd))
        }
        return batch
    }

    private func deliver(_ batch: [ReceivedMessage], from queue: QueueRecord) async {
        let payload = SQSEvent.json(batch, queueArn: mapping.eventSourceArn, region: queues.region)
        let response: InvocationResponse
        do {
            response = try await invoker.invoke(
                InvocationRequest(
                    functionName: mapping.functionName, qualifier: mapping.qualifier, payload: payload, mode: .sync, source: "sqs"))
        } catch {
            // Throttled or gone: the messages come back after their visibility timeout.
            logger.warning("event source batch not invoked", metadata: ["error": "\(error)"])
            if error.code == .resourceNotFound { try? await Task.sleep(for: Self.retryDelay) }
            return
        }
        guard response.outcome == .success, response.functionError == nil else {
            logger.info("event source batch failed", metadata: ["request_id": "\(response.requestID)", "outcome": "\(response.outcome.rawValue)"])
            return
        }
        var done = batch
        if mapping.reportBatchItemFailures {
            switch BatchItemFailures.verdict(response.payload, batch: Set(batch.map(\.messageID))) {
            case .allSucceeded: break
            case .failed(let ids): done = batch.filter { !ids.contains($0.messageID) }
            case .wholeBatchFailed:
                logger.info("event source batch reported as failed", metadata: ["request_id": "\(response.requestID)"])
                return
            }
        }
        guard !done.isEmpty else { return }
        do {
            let results = try await queues.delete(queue, receipts: done.map(\.receipt.encoded))
            for case .failure(let error) in results {
                logger.warning("cannot delete a delivered message", metadata: ["error": "\(error)"])
            }
        } catch {
            logger.error("cannot delete delivered messages", metadata: ["error": "\(error)"])
        }
    }
}
