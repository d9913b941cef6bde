import Foundation
import GustCore

/// A Lambda event source mapping: a pull source (an SQS queue) read by pollers that invoke one
/// function with batches. The configuration as stored; `EventSourceMappings` holds the rules.
public struct EventSourceMapping: Sendable, Codable, Equatable {
    public var uuid: String
    public var functionName: String
    /// A version or alias; nil invokes `$LATEST`.
    public var qualifier: String?
    public var eventSourceArn: String
    public var batchSize: Int
    public var maximumBatchingWindowSeconds: Int
    public var enabled: Bool
    /// `FunctionResponseTypes: [ReportBatchItemFailures]`.
    public var reportBatchItemFailures: Bool
    /// `ScalingConfig.MaximumConcurrency`; nil lets pollers grow to the function's own limit.
    public var maximumConcurrency: Int?
    public var tags: [String: String]
    public var lastModified: Date

    public init(
        uuid: String = UUID().uuidString.lowercased(), functionName: String, qualifier: String? = nil, eventSourceArn: String,
        batchSize: Int = 10, maximumBatchingWindowSeconds: Int = 0, enabled: Bool = true, reportBatchItemFailures: Bool = false,
        maximumConcurrency: Int? = nil, tags: [String: String] = [:], lastModified: Date = Date()
    ) {
        self.uuid = uuid
        self.functionName = functionName
        self.qualifier = qualifier
        self.eventSourceArn = eventSourceArn
        self.batchSize = batchSize
        self.maximumBatchingWindowSeconds = maximumBatchingWindowSeconds
        self.enabled = enabled
        self.reportBatchItemFailures = reportBatchItemFailures
        self.maximumConcurrency = maximumConcurrency
        self.tags = tags
        self.lastModified = lastModified
    }

    public var arn: String { Self.arn(uuid) }

    public static func arn(_ uuid: String) -> String {
        "arn:aws:lambda:\(FunctionName.region):\(FunctionName.account):event-source-mapping:\(uuid)"
    }
}

/// Where mappings are kept. Pollers read them at start and after every change.
public protocol EventSourceMappingStore: Sendable {
    /// Stores a new mapping; fails with a conflict when the function already has one for the source.
    func createMapping(_ mapping: EventSourceMapping) async throws(GustError)
    func mapping(uuid: String) async throws(GustError) -> EventSourceMapping?
    /// In UUID order, after `marker`, optionally only for one function and/or one source.
    func mappings(functionName: String?, eventSourceArn: String?, after marker: String?, limit: Int) async throws(GustError) -> [EventSourceMapping]
    func updateMapping(_ mapping: EventSourceMapping) async throws(GustError)
    func deleteMapping(uuid: String) async throws(GustError)
}
