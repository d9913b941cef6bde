import Foundation

/// One version of a function as the platform runs it: `$LATEST` is mutable, published versions are
/// frozen copies. Field names follow Lambda's FunctionConfiguration.
public struct FunctionConfiguration: Sendable, Codable, Equatable {
    public static let latest = "$LATEST"

    public var name: String
    public var version: String
    public var runtime: String
    public var handler: String
    public var memoryMB: Int
    public var timeoutSeconds: Int
    public var environment: [String: String]
    public var description: String
    public var role: String
    /// Seconds an idle instance is kept before it stops; `nil` takes the server's default.
    public var keepAliveSeconds: Int?
    /// Lambda's EphemeralStorage.Size: the cap of the instance's private `/tmp`; `nil` is 512.
    public var ephemeralStorageMB: Int?
    /// What the instance may reach (`NetworkPolicy`); `nil` takes the default, `egress`.
    public var network: NetworkPolicy?
    /// `DeadLetterConfig.TargetArn`: the SQS queue that gets an async event the function gave up on.
    public var deadLetterTargetArn: String?
    /// SHA-256 of the code zip, base64 as Lambda reports it.
    public var codeSha256: String
    /// Content address of the stored code (hex SHA-256), used to find the unpacked directory.
    public var codeID: String
    public var codeSize: Int
    public var lastModified: Date
    public var revisionID: String

    public init(
        name: String, version: String = FunctionConfiguration.latest, runtime: String, handler: String,
        memoryMB: Int = 128, timeoutSeconds: Int = 3, environment: [String: String] = [:],
        description: String = "", role: String = "", keepAliveSeconds: Int? = nil,
        ephemeralStorageMB: Int? = nil, network: NetworkPolicy? = nil, codeSha256: String, codeID: String, codeSize: Int, lastModified: Date = Date(),
        revisionID: String = UUID().uuidString.lowercased()
    ) {
        self.name = name
        self.version = version
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
        self.codeSha256 = codeSha256
        self.codeID = codeID
        self.codeSize = codeSize
        self.lastModified = lastModified
        self.revisionID = revisionID
    }

    public var family: RuntimeFamily? { RuntimeFamily(identifier: runtime) }

    public static let memoryRange = 128...10240
    public static let timeoutRange = 1...900
    public static let ephemeralStorageRange = 512...10240
    public static let defaultEphemeralStorageMB = 512

    public var tmpMB: Int { ephemeralStorageMB ?? Self.defaultEphemeralStorageMB }
    public var networkPolicy: NetworkPolicy { network ?? .default }

    /// Checks the limits Lambda enforces, so a bad value is a 400 at deploy rather than a surprise later.
    public func validate() throws(GustError) {
        try FunctionName.validate(name)
        guard family != nil else {
            throw .invalid("Value \(runtime) at 'runtime' failed to satisfy constraint: Member must be one of \(RuntimeFamily.supportedIdentifiers)")
        }
        guard Self.memoryRange.contains(memoryMB) else {
            throw .invalid("Value \(memoryMB) at 'memorySize' failed to satisfy constraint: Member must have value between 128 and 10240")
        }
        guard Self.timeoutRange.contains(timeoutSeconds) else {
            throw .invalid("Value \(timeoutSeconds) at 'timeout' failed to satisfy constraint: Member must have value between 1 and 900")
        }
        guard !handler.isEmpty || family == .provided, handler.count <= 128 else {
            throw .invalid("Value '\(handler)' at 'handler' failed to satisfy constraint: Member must have length between 1 and 128")
        }
        for key in environment.keys where !FunctionName.isValidEnvironmentKey(key) {
            throw .invalid("Environment variable name '\(key)' is invalid: names must match [a-zA-Z]([a-zA-Z0-9_])+")
        }
        if let ephemeralStorageMB, !Self.ephemeralStorageRange.contains(ephemeralStorageMB) {
            throw .invalid("Value \(ephemeralStorageMB) at 'ephemeralStorage.size' failed to satisfy constraint: Member must have value between 512 and 10240")
        }
        if let keepAliveSeconds, keepAliveSeconds < 0 {
            throw .invalid("keepAlive must not be negative")
        }
        if let arn = deadLetterTargetArn, !arn.isEmpty, !(arn.hasPrefix("arn:aws:sqs:") && arn.split(separator: ":").count == 6) {
            throw .invalid("The provided target ARN \(arn) is invalid: Gust's dead-letter queues are SQS queues")
        }
    }
}
