import Crypto
import Foundation
import GustCore
import GustObjectStore
import GustQueue
import GustStore
import Logging
import ServiceLifecycle

/// Delivers bucket notifications: reads the object events committed with their objects, matches
/// them against the bucket's configuration, and hands each match to a queue or, as an async event
/// with source `s3`, to a function, whose retries and destinations then apply. An event is
/// forgotten only once every match was handed over, so delivery survives a crash and is at least
/// once; a function's event is named by the object event and the rule, so handing it over twice
/// while the first is still queued enqueues it once.
public final class BucketNotifier: Service, Sendable {
    let events: any ObjectMetadataStore
    let asyncQueue: any AsyncEventQueue
    let queues: QueueService
    let region: String
    let enqueued: @Sendable () -> Void
    let logger: Logger
    private let wakeUp: AsyncStream<Void>.Continuation
    private let wakeUps: AsyncStream<Void>

    public init(
        events: any ObjectMetadataStore, asyncQueue: any AsyncEventQueue, queues: QueueService, region: String,
        enqueued: @escaping @Sendable () -> Void, logger: Logger
    ) {
        self.events = events
        self.asyncQueue = asyncQueue
        self.queues = queues
        self.region = region
        self.enqueued = enqueued
        self.logger = logger
        (wakeUps, wakeUp) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Called after a change stored an event.
    public func notify() { wakeUp.yield() }

    public func run() async throws {
        await withGracefulShutdownHandler {
            // A tick retries what could not be handed over (the database was busy, say).
            let ticker = Task { [wakeUp] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(1))
                    wakeUp.yield()
                }
            }
            for await _ in wakeUps { await drain() }
            ticker.cancel()
        } onGracefulShutdown: { [wakeUp] in
            wakeUp.finish()
        }
    }

    /// Delivers until no event waits, or one cannot be delivered yet.
    func drain() async {
        while true {
            let batch: [ObjectEvent]
            do {
                batch = try await events.pendingObjectEvents(limit: 100)
            } catch {
                logger.error("cannot read object events", metadata: ["error": "\(error)"])
                return
            }
            if batch.isEmpty { return }
            var configurations: [String: NotificationConfiguration?] = [:]
            for event in batch {
                do {
                    if configurations[event.bucket] == nil {
                        configurations[event.bucket] = .some(try await events.notification(bucket: event.bucket))
                    }
                    for rule in configurations[event.bucket]??.rules ?? [] where rule.matches(event: event.name, key: event.key) {
                        try await deliver(event, rule)
                    }
                    try await events.deleteObjectEvent(id: event.id)
                } catch {
                    logger.error("cannot deliver an object event, trying again", metadata: ["event": "\(event.id)", "error": "\(error)"])
                    return
                }
            }
        }
    }

    private func deliver(_ event: ObjectEvent, _ rule: NotificationConfiguration.Rule) async throws {
        let payload = event.payload(configurationID: rule.id, region: region)
        switch rule.target {
        case .function:
            let target: (name: String, qualifier: String?)
            do {
                target = try FunctionName.parse(rule.arn)
            } catch {
                logger.warning("bucket notification names no function", metadata: ["arn": "\(rule.arn)"])
                return
            }
            let requestID = Self.requestID(event: event, rule: rule.id)
            _ = try await asyncQueue.enqueue(
                AsyncEvent(requestID: requestID, functionName: target.name, qualifier: target.qualifier, payload: payload, source: "s3"))
            enqueued()
        case .queue:
            let name = rule.arn.split(separator: ":").last.map(String.init) ?? rule.arn
            let queue: QueueRecord
            do {
                queue = try await queues.queue(named: name)
            } catch {
                // Deleted since the configuration was accepted: S3 drops such events too.
                logger.warning("bucket notification queue is gone; event dropped", metadata: ["arn": "\(rule.arn)"])
                return
            }
            let entry = SendEntry(
                body: String(decoding: payload, as: UTF8.self), groupID: queue.isFIFO ? event.bucket : nil,
                deduplicationID: queue.isFIFO ? Self.requestID(event: event, rule: rule.id) : nil)
            if case .failure(let error) = try await queues.send(queue, [entry], senderID: "gust-s3").first { throw error }
        }
    }

    /// A UUID that names one event's delivery under one rule.
    static func requestID(event: ObjectEvent, rule: String) -> String {
        var bytes = Array(Insecure.MD5.hash(data: Array("\(event.bucket)/\(event.id)/\(event.sequencer)/\(rule)".utf8)))
        bytes[6] = (bytes[6] & 0x0F) | 0x30
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15])).uuidString.lowercased()
    }
}
