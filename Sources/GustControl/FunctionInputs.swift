import GustCore

/// CreateFunction's parameters, decoded from the wire by the gateway.
public struct CreateFunctionInput: Sendable {
    public var name: String
    public var runtime: String
    public var handler: String
    public var zip: [UInt8]
    public var memoryMB: Int?
    public var timeoutSeconds: Int?
    public var environment: [String: String]?
    public var description: String?
    public var role: String?
    public var keepAliveSeconds: Int?
    public var ephemeralStorageMB: Int?
    public var network: NetworkPolicy?
    public var deadLetterTargetArn: String?
    public var publish: Bool

    public init(
        name: String, runtime: String, handler: String, zip: [UInt8], memoryMB: Int? = nil,
        timeoutSeconds: Int? = nil, environment: [String: String]? = nil, description: String? = nil,
        role: String? = nil, keepAliveSeconds: Int? = nil, ephemeralStorageMB: Int? = nil,
        network: NetworkPolicy? = nil, deadLetterTargetArn: String? = nil, publish: Bool = false
    ) {
        self.deadLetterTargetArn = deadLetterTargetArn
        self.name = name
        self.runtime = runtime
        self.handler = handler
        self.zip = zip
        self.memoryMB = memoryMB
        self.timeoutSeconds = timeoutSeconds
        self.environment = environment
        self.description = description
        self.role = role
        self.keepAliveSeconds = keepAliveSeconds
        self.ephemeralStorageMB = ephemeralStorageMB
        self.network = network
        self.publish = publish
    }
}

/// UpdateFunctionConfiguration's parameters: only what is set changes.
public struct ConfigurationPatch: Sendable {
    public var runtime: String?
    public var handler: String?
    public var memoryMB: Int?
    public var timeoutSeconds: Int?
    public var environment: [String: String]?
    public var description: String?
    public var role: String?
    public var keepAliveSeconds: Int?
    public var ephemeralStorageMB: Int?
    public var network: NetworkPolicy?
    /// An empty string removes the dead-letter queue, as Lambda's `DeadLetterConfig: {}` does.
    public var deadLetterTargetArn: String?

    public init(
        runtime: String? = nil, handler: String? = nil, memoryMB: Int? = nil, timeoutSeconds: Int? = nil,
        environment: [String: String]? = nil, description: String? = nil, role: String? = nil,
        keepAliveSeconds: Int? = nil, ephemeralStorageMB: Int? = nil, network: NetworkPolicy? = nil,
        deadLetterTargetArn: String? = nil
    ) {
        self.deadLetterTargetArn = deadLetterTargetArn
        self.runtime = runtime
        self.handler = handler
        self.memoryMB = memoryMB
        self.timeoutSeconds = timeoutSeconds
        self.environment = environment
        self.description = description
        self.role = role
        self.keepAliveSeconds = keepAliveSeconds
        self.ephemeralStorageMB = ephemeralStorageMB
        self.network = network
    }

    func apply(to config: inout FunctionConfiguration) {
        if let runtime { config.runtime = runtime }
        if let handler { config.handler = handler }
        if let memoryMB { config.memoryMB = memoryMB }
        if let timeoutSeconds { config.timeoutSeconds = timeoutSeconds }
        if let environment { config.environment = environment }
        if let description { config.description = description }
        if let role { config.role = role }
        if let keepAliveSeconds { config.keepAliveSeconds = keepAliveSeconds }
        if let ephemeralStorageMB { config.ephemeralStorageMB = ephemeralStorageMB }
        if let network { config.network = network }
        if let deadLetterTargetArn { config.deadLetterTargetArn = deadLetterTargetArn.isEmpty ? nil : deadLetterTargetArn }
    }
}
