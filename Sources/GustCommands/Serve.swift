import ArgumentParser
import Foundation
import GustServer
import Logging

extension ServerConfiguration.SandboxChoice: ExpressibleByArgument {}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the Gust server (embedded SQLite and local disk).")

    @Option(name: .customLong("data-dir"), help: "Where Gust keeps its database, code and credentials (env GUST_DATA_DIR).")
    var dataDirectory: String = ProcessInfo.processInfo.environment["GUST_DATA_DIR"] ?? ".gust"

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port for every AWS-compatible API.")
    var port = 9000

    @Option(name: .customLong("http-port"), help: "Port for HTTP triggers (user traffic on routes), apart from the API port.")
    var httpPort = 8080

    @Option(help: "Instance sandbox: auto, bwrap or none (none is for development only).")
    var sandbox: ServerConfiguration.SandboxChoice = .auto

    @Option(name: .customLong("cpu-floor"), help: "Least CPU (cores) an instance is held to; above it CPU follows memory (1769 MB = 1 core). 0 = Lambda's exact proportion.")
    var cpuFloor: Double = 1

    @Option(
        name: .customLong("python-packages"),
        help: "Packages for python3.x functions, e.g. boto3 (pip install --target DIR boto3); default DATA_DIR/runtime/python (env GUST_PYTHON_PACKAGES).")
    var pythonPackages: String? = ProcessInfo.processInfo.environment["GUST_PYTHON_PACKAGES"]

    @Flag(name: .customLong("allow-unsandboxed-root"), help: "Allow --sandbox none as root on a non-loopback address.")
    var allowUnsandboxedRoot = false

    @Option(name: .customLong("keep-alive"), help: "Seconds an idle instance is kept when the function does not say.")
    var keepAlive: Double = 300

    @Option(name: .customLong("async-retry-base"), help: "Seconds before the first retry of a failed async event (doubles after).")
    var asyncRetryBase: Double = 60

    @Option(name: .customLong("max-instances"), help: "Instance cap per function version without reserved concurrency.")
    var maxInstances = 32

    @Option(name: .customLong("log-retention-days"), help: "Days invocation records and logs are kept.")
    var logRetentionDays: Double = 7

    @Option(name: .customLong("log-retention-count"), help: "Invocation records kept per function.")
    var logRetentionCount = 10_000

    @Option(name: .customLong("idle-timeout"), help: "Seconds a client connection owing no answer stays open (both ports).")
    var idleTimeout: Double = 60

    @Option(name: .customLong("header-timeout"), help: "Seconds a request head may take from its first byte (both ports).")
    var headerTimeout: Double = 20

    @Option(name: .customLong("min-body-rate"), help: "Bytes per second a request body must average over 10 s (both ports).")
    var minBodyRate = 1024

    @Option(name: .customLong("max-connections"), help: "Open connections on the HTTP port (the oldest idle one is shed beyond).")
    var maxConnections = 10_000

    @Option(name: .customLong("max-api-connections"), help: "Open connections on the API port.")
    var maxAPIConnections = 1024

    @Option(name: .customLong("max-header-count"), help: "Header fields per request (431 beyond).")
    var maxHeaderCount = 100

    @Option(name: .customLong("max-header-bytes"), help: "Total bytes of a request's header fields (431 beyond).")
    var maxHeaderBytes = 32 * 1024

    @Option(name: .customLong("max-request-line"), help: "Bytes of a request target (414 beyond).")
    var maxRequestLine = 8 * 1024

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error.")
    var logLevel = "info"

    func run() async throws {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        var logger = Logger(label: "gust")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let env = ProcessInfo.processInfo.environment
        var configuration = ServerConfiguration(
            dataDirectory: dataDirectory, host: host, port: port, httpPort: httpPort, sandbox: sandbox, keepAliveSeconds: keepAlive,
            asyncRetryBaseSeconds: asyncRetryBase, maxInstancesPerFunction: maxInstances,
            logRetentionDays: logRetentionDays, logRetentionCount: logRetentionCount,
            accessKey: env["GUST_ACCESS_KEY"], secretKey: env["GUST_SECRET_KEY"])
        configuration.cpuFloorCores = cpuFloor
        configuration.allowUnsandboxedRoot = allowUnsandboxedRoot
        configuration.pythonPackages = pythonPackages
        configuration.connections.idleTimeout = idleTimeout
        configuration.connections.headerTimeout = headerTimeout
        configuration.connections.minBodyRate = minBodyRate
        configuration.connections.maxHTTPConnections = maxConnections
        configuration.connections.maxAPIConnections = maxAPIConnections
        configuration.connections.maxHeaderCount = maxHeaderCount
        configuration.connections.maxHeaderBytes = maxHeaderBytes
        configuration.connections.maxRequestLineBytes = maxRequestLine
        do {
            try await GustServer(configuration: configuration, logger: logger).run(
                onListening: { port in
                    FileHandle.standardOutput.write(Data("Gust listening on http://\(host):\(port)\n".utf8))
                },
                onHTTPListening: { port in
                    FileHandle.standardOutput.write(Data("HTTP triggers on http://\(host):\(port)\n".utf8))
                })
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
