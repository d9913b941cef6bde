import Foundation

/// Everything `gust serve` can be told, with the embedded defaults.
public struct ServerConfiguration: Sendable {
    public enum SandboxChoice: String, Sendable, CaseIterable {
        /// bubblewrap when it is installed and works, else a loud warning and no sandbox.
        case auto
        case bwrap
        case none
    }

    public var dataDirectory: String
    public var host: String
    public var port: Int
    public var sandbox: SandboxChoice
    public var keepAliveSeconds: Double
    public var asyncRetryBaseSeconds: Double
    public var maxInstancesPerFunction: Int
    public var logRetentionDays: Double
    public var logRetentionCount: Int
    public var accessKey: String?
    public var secretKey: String?

    public init(
        dataDirectory: String, host: String = "127.0.0.1", port: Int = 9000, sandbox: SandboxChoice = .auto,
        keepAliveSeconds: Double = 300, asyncRetryBaseSeconds: Double = 60, maxInstancesPerFunction: Int = 32,
        logRetentionDays: Double = 7, logRetentionCount: Int = 10_000, accessKey: String? = nil, secretKey: String? = nil
    ) {
        self.dataDirectory = dataDirectory
        self.host = host
        self.port = port
        self.sandbox = sandbox
        self.keepAliveSeconds = keepAliveSeconds
        self.asyncRetryBaseSeconds = asyncRetryBaseSeconds
        self.maxInstancesPerFunction = maxInstancesPerFunction
        self.logRetentionDays = logRetentionDays
        self.logRetentionCount = logRetentionCount
        self.accessKey = accessKey
        self.secretKey = secretKey
    }
}
