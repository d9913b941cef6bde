import Foundation
import GustAWSWire
import GustCore
import GustQueue
import GustStore

/// The rules of Create/Get/List/Update/DeleteEventSourceMapping (Lambda's limits and messages);
/// the gateway only translates the wire. Every change is told to the pollers.
public struct EventSourceMappings: Sendable {
    let store: any EventSourceMappingStore
    let functions: any FunctionStore
    let queues: QueueService
    let changed: @Sendable () -> Void

    public init(
        store: any EventSourceMappingStore, functions: any FunctionStore, queues: QueueService, changed: @escaping @Sendable () -> Void
    ) {
        self.store = store
        self.functions = functions
        self.queues = queues
        self.changed = changed
    }

    /// What a create or update sets; nil leaves a value as it is (or at Lambda's default).
    public struct Settings: Sendable {
        public var functionName: String?
        public var batchSize: Int?
        public var maximumBatchingWindowSeconds: Int?
        public var enabled: Bool?
        public var functionResponseTypes: [String]?
        /// `.some(nil)` removes the limit (an empty ScalingConfig).
        public var maximumConcurrency: Int??
        public var tags: [String: String]?

        public init(
            functionName: String? = nil, batchSize: Int? = nil, maximumBatchingWindowSeconds: Int? = nil, enabled: Bool? = nil,
            functionResponseTypes: [String]? = nil, maximumConcurrency: Int?? = nil, tags: [String: String]? = nil
        ) {
            self.functionName = functionName
            self.batchSize = batchSize
            self.maximumBatchingWindowSeconds = maximumBatchingWindowSeconds
            self.enabled = enabled
            self.functionResponseTypes = functionResponseTypes
            self.maximumConcurrency = maximumConcurrency
            self.tags = tags
        }
    }

    public func create(eventSourceArn: String?, _ settings: Settings) async throws(GustError) -> EventSourceMapping {
        guard let eventSourceArn, !eventSourceArn.isEmpty else {
            throw .invalid("1 validation error detected: Value null at 'eventSourceArn' failed to satisfy constraint: Member must not be null")
        }
        guard let rawFunction = settings.functionName else {
            throw .invalid("1 validation error detected: Value null at 'functionName' failed to satisfy constraint: Member must not be null")
        }
        let queue = try await sourceQueue(eventSourceArn)
        let (name, qualifier) = try await function(rawFunction)
        var mapping = EventSourceMapping(functionName: name, qualifier: qualifier, eventSourceArn: eventSourceArn, tags: settings.tags ?? [:])
        try apply(settings, to: &mapping, fifo: queue.isFIFO)
        try await store.createMapping(mapping)
        changed()
        return mapping
    }

    public func get(_ uuid: String) async throws(GustError) -> EventSourceMapping {
        guard let mapping = try await store.mapping(uuid: uuid) else { throw Self.notFound(uuid) }
        return mapping
    }

    public func list(
        functionName: String?, eventSourceArn: String?, marker: String?, maxItems: Int?
    ) async throws(GustError) -> (mappings: [EventSourceMapping], nextMarker: String?) {
        if let maxItems, !(1...10000).contains(maxItems) {
            throw .invalid("1 validation error detected: Value '\(maxItems)' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 10000")
        }
        let name = try functionName.map { raw throws(GustError) in try FunctionName.parse(raw).name }
        let limit = min(maxItems ?? 100, 100)
        let page = try await store.mappings(functionName: name, eventSourceArn: eventSourceArn, after: marker, limit: limit + 1)
        let mappings = Array(page.prefix(limit))
        return (mappings, page.count > limit ? mappings.last?.uuid : nil)
    }

    public func update(_ uuid: String, _ settings: Settings) async throws(GustError) -> EventSourceMapping {
        var mapping = try await get(uuid)
        if let raw = settings.functionName {
            (mapping.functionName, mapping.qualifier) = try await function(raw)
        }
        let fifo = EventSourcePollers.queueName(mapping.eventSourceArn)?.hasSuffix(".fifo") ?? false
        try apply(settings, to: &mapping, fifo: fifo)
        mapping.lastModified = Date()
        try await store.updateMapping(mapping)
        changed()
        return mapping
    }

    public func delete(_ uuid: String) async throws(GustError) -> EventSourceMapping {
        let mapping = try await get(uuid)
        try await store.deleteMapping(uuid: uuid)
        changed()
        return mapping
    }

    /// The mapping's tags, by its ARN (Lambda's ListTags).
    public func tags(arn: String) async throws(GustError) -> [String: String] {
        let prefix = EventSourceMapping.arn("")
        guard arn.hasPrefix(prefix) else { throw .invalid("Gust keeps tags on event source mappings only: \(arn)") }
        return try await get(String(arn.dropFirst(prefix.count))).tags
    }

    private func apply(_ settings: Settings, to mapping: inout EventSourceMapping, fifo: Bool) throws(GustError) {
        if let batchSize = settings.batchSize { mapping.batchSize = batchSize }
        if let window = settings.maximumBatchingWindowSeconds { mapping.maximumBatchingWindowSeconds = window }
        if let enabled = settings.enabled { mapping.enabled = enabled }
        if let types = settings.functionResponseTypes {
            for type in types where type != "ReportBatchItemFailures" {
                throw .invalid("1 validation error detected: Value '[\(type)]' at 'functionResponseTypes' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [ReportBatchItemFailures]]")
            }
            mapping.reportBatchItemFailures = !types.isEmpty
        }
        if let concurrency = settings.maximumConcurrency { mapping.maximumConcurrency = concurrency }
        let maxBatch = fifo ? 10 : 10000
        guard (1...maxBatch).contains(mapping.batchSize) else {
            throw .invalid("BatchSize \(mapping.batchSize) is out of range: it must be between 1 and \(maxBatch) for this SQS queue.")
        }
        guard (0...300).contains(mapping.maximumBatchingWindowSeconds) else {
            throw .invalid("1 validation error detected: Value '\(mapping.maximumBatchingWindowSeconds)' at 'maximumBatchingWindowInSeconds' failed to satisfy constraint: Member must have value less than or equal to 300")
        }
        if mapping.batchSize > 10, mapping.maximumBatchingWindowSeconds < 1 {
            throw .invalid("Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10")
        }
        if let concurrency = mapping.maximumConcurrency, !(2...1000).contains(concurrency) {
            throw .invalid("1 validation error detected: Value '\(concurrency)' at 'scalingConfig.maximumConcurrency' failed to satisfy constraint: Member must have value between 2 and 1000")
        }
    }

    private func sourceQueue(_ arn: String) async throws(GustError) -> QueueRecord {
        guard let parsed = ARN(arn), parsed.service == "sqs", !parsed.resource.isEmpty else {
            throw .invalid("Gust's event source mappings read SQS queues; \(arn) is not an SQS queue ARN.")
        }
        do {
            return try await queues.queue(named: parsed.resource)
        } catch {
            throw .invalid("Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist.")
        }
    }

    /// A function (and qualifier) that exists, from a name or ARN.
    private func function(_ raw: String) async throws(GustError) -> (String, String?) {
        let (name, qualifier) = try FunctionName.parse(raw)
        let exists: Bool
        if let qualifier, qualifier != FunctionConfiguration.latest, Int(qualifier) == nil {
            exists = try await functions.alias(name, qualifier) != nil
        } else {
            exists = try await functions.version(name, qualifier ?? FunctionConfiguration.latest) != nil
        }
        guard exists else { throw .notFound("Function does not exist: \(FunctionName.arn(name, qualifier: qualifier))") }
        return (name, qualifier)
    }

    static func notFound(_ uuid: String) -> GustError {
        .notFound("The resource you requested does not exist. (Service: Lambda, Status Code: 404, Request ID: \(uuid))")
    }
}
