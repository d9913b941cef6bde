import Foundation

/// Everything `gust serve` can be told, with the embedded defaults.
public struct ServerConfiguration: Sendable {
    public enum SandboxChoice: String, Sendable, CaseIterable {
        /// bubblewrap when it is installed and works, else a loud warning and no sandbox.
        case auto
        case bwrap
        case none
        /// The pre-hardening bubblewrap profile, kept as the sandbox benchmark's baseline only.
        case basic
    }

    public var dataDirectory: String
    public var host: String
    public var port: Int
    /// The listener for user traffic (HTTP routes), apart from the AWS API's port so that one can
    /// be exposed and the other firewalled.
    public var httpPort: Int
    public var sandbox: SandboxChoice
    public var keepAliveSeconds: Double
    public var asyncRetryBaseSeconds: Double
    public var maxInstancesPerFunction: Int
    public var logRetentionDays: Double
    public var logRetentionCount: Int
    public var accessKey: String?
    public var secretKey: String?
    /// The least CPU an instance is held to, in cores, whatever its memory (`CPUShare`).
    public var cpuFloorCores: Double = 1
    /// Packages `python3.x` functions can import without bundling them (boto3, as on Lambda);
    /// nil means `runtime/python` in the data directory.
    public var pythonPackages: String?
    /// Lets root run functions unsandboxed on a non-loopback address (refused otherwise).
    public var allowUnsandboxedRoot = false
    /// Listener limits shared by the API and HTTP ports (docs/api.md, "Connections").
    public var connections = Connections()

    public struct Connections: Sendable {
        /// Seconds a connection owing no answer stays open.
        public var idleTimeout: Double = 60
        /// Seconds a request head may take from its first byte.
        public var headerTimeout: Double = 20
        /// Bytes per second a body must average (over 10 s windows).
        public var minBodyRate = 1024
        /// Open connections on the HTTP port, and on the API port.
        public var maxHTTPConnections = 10_000
        public var maxAPIConnections = 1024
        public var maxHeaderCount = 100
        public var maxHeaderBytes = 32 * 1024
        public var maxRequestLineBytes = 8 * 1024

        public init() {}
    }

    public init(
        dataDirectory: String, host: String = "127.0.0.1", port: Int = 9000, httpPort: Int = 8080, sandbox: SandboxChoice = .auto,
        keepAliveSeconds: Double = 300, asyncRetryBaseSeconds: Double = 60, maxInstancesPerFunction: Int = 32,
        logRetentionDays: Double = 7, logRetentionCount: Int = 10_000, accessKey: String? = nil, secretKey: String? = nil
    ) {
        self.dataDirectory = dataDirectory
        self.host = host
        self.port = port
        self.httpPort = httpPort
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
