import Foundation
import GustAWSWire
import GustCore
import GustQueue
import GustScheduler
import Logging
import ServiceLifecycle

/// Runs the pollers of every enabled event source mapping, and changes them when mappings change
/// (`mappingsChanged`, called by `EventSourceMappings`). Mappings live in the store, so after a
/// restart every one resumes where its queue stands: a batch that was in flight when the server
/// died comes back once its visibility timeout passes.
public final class EventSourcePollers: Service, Sendable {
    let store: any EventSourceMappingStore
    let queues: QueueService
    let invoker: any Invoker
    /// Pollers per mapping without `ScalingConfig.MaximumConcurrency`.
    let defaultConcurrency: Int
    let logger: Logger
    private let changes: AsyncStream<Void>
    private let change: AsyncStream<Void>.Continuation

    public init(store: any EventSourceMappingStore, queues: QueueService, invoker: any Invoker, defaultConcurrency: Int, logger: Logger) {
        self.store = store
        self.queues = queues
        self.invoker = invoker
        self.defaultConcurrency = defaultConcurrency
        self.logger = logger
        (changes, change) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    public func mappingsChanged() { change.yield() }

    public func run() async throws {
        var running: [String: (mapping: EventSourceMapping, task: Task<Void, Never>)] = [:]
        change.yield()
        await withGracefulShutdownHandler {
            for await _ in changes {
                let wanted: [String: EventSourceMapping]
                do {
                    wanted = try await enabledMappings()
                } catch {
                    logger.error("cannot read event source mappings", metadata: ["error": "\(error)"])
                    continue
                }
                for (uuid, poller) in running where wanted[uuid] != poller.mapping {
                    poller.task.cancel()
                    await poller.task.value
                    running[uuid] = nil
                }
                for (uuid, mapping) in wanted where running[uuid] == nil {
                    guard let name = Self.queueName(mapping.eventSourceArn) else { continue }
                    let poller = SQSMappingPoller(
                        mapping: mapping, queueName: name, queues: queues, invoker: invoker,
                        limit: mapping.maximumConcurrency ?? defaultConcurrency, logger: logger)
                    running[uuid] = (mapping, Task { await poller.run() })
                }
            }
        } onGracefulShutdown: { [change] in
            change.finish()
        }
        // Shutdown: no new batches; the ones in flight finish and are deleted.
        for poller in running.values { poller.task.cancel() }
        for poller in running.values { await poller.task.value }
    }

    private func enabledMappings() async throws(GustError) -> [String: EventSourceMapping] {
        var result: [String: EventSourceMapping] = [:]
        var marker: String?
        while true {
            let page = try await store.mappings(functionName: nil, eventSourceArn: nil, after: marker, limit: 500)
            for mapping in page where mapping.enabled { result[mapping.uuid] = mapping }
            guard page.count == 500, let last = page.last else { return result }
            marker = last.uuid
        }
    }

    static func queueName(_ arn: String) -> String? {
        guard let parsed = ARN(arn), parsed.service == "sqs" else { return nil }
        return parsed.resource
    }
}
