import Foundation
import GustAWSWire
import Synchronization

/// SQS's rules over a `QueueStore`: names, attributes, limits, FIFO deduplication, redrive and
/// long polling. The wire API (`SQSJSONAPI`) and, later, event source pollers both go through it.
public final class QueueService: Sendable {
    public let store: any QueueStore
    public let wakeups: QueueWakeups
    /// Queue records by name: every SQS call names its queue, and reading and decoding the record
    /// each time cost more than the message work. Changes made through this service update it;
    /// a store shared by several nodes will need the store's change notifications to do the same.
    private let records = Mutex<[String: QueueRecord]>([:])
    public let region: String
    public let account: String
    /// FIFO deduplication window.
    static let deduplicationWindow: TimeInterval = 300

    public init(store: any QueueStore, region: String = "us-east-1", account: String = "000000000000") {
        self.store = store
        self.region = region
        self.account = account
        self.wakeups = QueueWakeups()
    }

    public func arn(_ name: String) -> String {
        ARN(service: "sqs", region: region, account: account, resource: name).description
    }

    /// `http://HOST:PORT/ACCOUNT/NAME`, with the host as the client addressed this server.
    public func url(_ name: String, host: String) -> String { "http://\(host)/\(account)/\(name)" }

    // MARK: Queues

    public func createQueue(name: String, attributes: [String: String], tags: [String: String]) async throws(QueueError) -> QueueRecord {
        guard QueueAttributes.isValidName(name) else {
            throw .invalid("Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length")
        }
        let fifo = name.hasSuffix(".fifo")
        if fifo, attributes["FifoQueue"] != "true" {
            throw .invalid("The name of a non-FIFO queue can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length")
        }
        let validated = try QueueAttributes.validate(attributes, fifo: fifo, creating: true).filter { !$0.value.isEmpty }
        try await checkRedrive(validated, fifo: fifo)
        try Self.checkTags(tags, existing: [:], queue: name)
        let (queue, created) = try await store.createQueue(name: name, attributes: validated, tags: tags, now: Date())
        if !created {
            for (key, value) in validated where effectiveAttribute(key, of: queue) != value {
                throw QueueError(.queueNameExists, "A queue already exists with the same name and a different value for attribute \(key)")
            }
        }
        return queue
    }

    /// The queue a `QueueUrl` (or bare name) names.
    public func queue(url: String) async throws(QueueError) -> QueueRecord {
        let trimmed = url.hasSuffix("/") ? String(url.dropLast()) : url
        let parts = trimmed.split(separator: "/", omittingEmptySubsequences: false)
        guard let name = parts.last, !name.isEmpty else { throw .noSuchQueue }
        if parts.count >= 2, trimmed.contains("://"), parts[parts.count - 2] != Substring(account) { throw .noSuchQueue }
        return try await queue(named: String(name))
    }

    public func queue(named name: String) async throws(QueueError) -> QueueRecord {
        if let cached = records.withLock({ $0[name] }) { return cached }
        guard let queue = try await store.queue(named: name) else { throw .noSuchQueue }
        records.withLock { $0[name] = queue }
        return queue
    }

    private func forget(_ name: String) { _ = records.withLock { $0.removeValue(forKey: name) } }

    /// A page of queues; `nextToken` when `maxResults` was given and more follow.
    public func listQueues(
        prefix: String, nextToken: String?, maxResults: Int?
    ) async throws(QueueError) -> (queues: [QueueRecord], nextToken: String?) {
        if let maxResults, !(1...1000).contains(maxResults) {
            throw .invalid("Value \(maxResults) for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.")
        }
        var after: String?
        if let nextToken {
            guard let key = PageToken.lastKey(kind: "queues", token: nextToken) else {
                throw .invalid("Invalid NextToken value.")
            }
            after = key
        }
        let limit = maxResults ?? 1000
        let page = try await store.queues(prefix: prefix, after: after, limit: limit + 1)
        let queues = Array(page.prefix(limit))
        let more = page.count > limit && maxResults != nil
        return (queues, more ? queues.last.map { PageToken.make(kind: "queues", lastKey: $0.name) } : nil)
    }

    public func deleteQueue(_ queue: QueueRecord) async throws(QueueError) {
        forget(queue.name)
        try await store.deleteQueue(id: queue.id)
        forget(queue.name)
        wakeups.signal(queue.id)
    }

    public func purge(_ queue: QueueRecord) async throws(QueueError) {
        try await store.purge(queueID: queue.id)
    }

    /// The attributes `names` asks for (`All` for every one); none when `names` is empty.
    public func attributes(of queue: QueueRecord, names: [String]) async throws(QueueError) -> [String: String] {
        let known = QueueAttributes.known
        for name in names where name != "All" && !known.contains(name) {
            throw QueueError(.invalidAttributeName, "Unknown Attribute \(name).")
        }
        let wanted = names.contains("All") ? known : Set(names)
        var result: [String: String] = [:]
        for name in wanted {
            if let value = effectiveAttribute(name, of: queue) { result[name] = value }
        }
        if !wanted.isDisjoint(with: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"]) {
            let counts = try await store.counts(queueID: queue.id, now: Date())
            let values = [
                "ApproximateNumberOfMessages": counts.visible, "ApproximateNumberOfMessagesNotVisible": counts.inFlight,
                "ApproximateNumberOfMessagesDelayed": counts.delayed,
            ]
            for (name, value) in values where wanted.contains(name) { result[name] = String(value) }
        }
        return result
    }

    public func setAttributes(_ queue: QueueRecord, _ attributes: [String: String]) async throws(QueueError) {
        let validated = try QueueAttributes.validate(attributes, fifo: queue.isFIFO, creating: false)
        try await checkRedrive(validated, fifo: queue.isFIFO)
        var queue = queue
        for (name, value) in validated {
            queue.attributes[name] = value.isEmpty ? nil : value
        }
        queue.modifiedAt = Date()
        forget(queue.name)
        try await store.updateQueue(queue)
        forget(queue.name)
    }

    public func tag(_ queue: QueueRecord, _ tags: [String: String]) async throws(QueueError) {
        if tags.isEmpty { throw QueueError(.missingParameter, "The request must contain the parameter Tags.") }
        try Self.checkTags(tags, existing: queue.tags, queue: queue.name)
        var queue = queue
        queue.tags.merge(tags) { $1 }
        forget(queue.name)
        try await store.updateQueue(queue)
        forget(queue.name)
    }

    public func untag(_ queue: QueueRecord, _ keys: [String]) async throws(QueueError) {
        if keys.isEmpty || keys.contains(where: { $0.isEmpty || $0.count > 128 }) {
            throw .invalid("Tag keys must be between 1 and 128 characters in length.")
        }
        var queue = queue
        for key in keys { queue.tags[key] = nil }
        forget(queue.name)
        try await store.updateQueue(queue)
        forget(queue.name)
    }

    /// Queues whose redrive policy names `queue` as their dead-letter queue, in name order, a page
    /// of `maxResults` (1–1000) when given.
    public func deadLetterSources(
        of queue: QueueRecord, nextToken: String? = nil, maxResults: Int? = nil
    ) async throws(QueueError) -> (queues: [QueueRecord], nextToken: String?) {
        if let maxResults, !(1...1000).contains(maxResults) {
            throw .invalid("Value \(maxResults) for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.")
        }
        var after = ""
        if let nextToken {
            guard let key = PageToken.lastKey(kind: "dlq-sources", token: nextToken) else { throw .invalid("Invalid NextToken value.") }
            after = key
        }
        let arn = arn(queue.name)
        let sources = try await store.queues(prefix: "", after: nil, limit: Int.max).filter {
            $0.name > after && $0.settings.redrive?.deadLetterTargetArn == arn
        }
        guard let maxResults, sources.count > maxResults else { return (sources, nil) }
        let page = Array(sources.prefix(maxResults))
        return (page, page.last.map { PageToken.make(kind: "dlq-sources", lastKey: $0.name) })
    }

    /// A stored value, else AWS's default for the attributes every queue reports.
    func effectiveAttribute(_ name: String, of queue: QueueRecord) -> String? {
        if let value = queue.attributes[name] { return value }
        if let number = QueueSettings.defaults[name] { return String(number) }
        switch name {
        case "QueueArn": return arn(queue.name)
        case "CreatedTimestamp": return String(Int(queue.createdAt.timeIntervalSince1970))
        case "LastModifiedTimestamp": return String(Int(queue.modifiedAt.timeIntervalSince1970))
        case "SqsManagedSseEnabled": return "true"
        case "KmsDataKeyReusePeriodSeconds": return queue.attributes["KmsMasterKeyId"] == nil ? nil : "300"
        case "FifoQueue": return queue.isFIFO ? "true" : nil
        case "ContentBasedDeduplication": return queue.isFIFO ? "false" : nil
        case "DeduplicationScope": return queue.isFIFO ? "queue" : nil
        case "FifoThroughputLimit": return queue.isFIFO ? "perQueue" : nil
        default: return nil
        }
    }

    private func checkRedrive(_ attributes: [String: String], fifo: Bool) async throws(QueueError) {
        guard let text = attributes["RedrivePolicy"], !text.isEmpty else { return }
        let policy = try RedrivePolicy(parsing: text)
        let reason = "Value \(text) for parameter RedrivePolicy is invalid. Reason:"
        guard let arn = ARN(policy.deadLetterTargetArn), arn.service == "sqs",
            let target = try await store.queue(named: arn.resource)
        else {
            throw QueueError(.invalidParameterValue, "\(reason) Dead letter target does not exist.")
        }
        guard target.isFIFO == fifo else {
            throw QueueError(.invalidParameterValue, "\(reason) Dead-letter queue must be same type of queue as the source.")
        }
    }

    private static func checkTags(_ tags: [String: String], existing: [String: String], queue: String) throws(QueueError) {
        if existing.merging(tags, uniquingKeysWith: { $1 }).count > 50 {
            throw .invalid("Too many tags added for queue \(queue).")
        }
        for (key, value) in tags where key.isEmpty || key.count > 128 || value.count > 256 {
            throw .invalid("Tag keys must be 1 to 128 characters and values at most 256 characters.")
        }
    }
}
