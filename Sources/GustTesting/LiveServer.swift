import Foundation
import GustClient
import GustServer
import Logging
import ZIPFoundation

/// A real Gust server on an ephemeral loopback port with its own temporary data directory, for
/// integration tests. `stop()` shuts it down the way SIGTERM does (graceful shutdown).
public final class LiveServer: Sendable {
    public let port: Int
    /// The HTTP trigger listener's port.
    public let httpPort: Int
    public let dataDirectory: String
    public let client: GustClient
    private let task: Task<Void, any Error>
    private let stopper: AsyncStream<Void>.Continuation

    public static let accessKey = "AKIDGUSTTEST"
    public static let secretKey = "gust-test-secret"

    public static func start(keepAliveSeconds: Double = 300, sandbox: ServerConfiguration.SandboxChoice = .auto) async throws -> LiveServer {
        let dataDirectory = NSTemporaryDirectory() + "gust-live-\(UUID().uuidString)"
        var logger = Logger(label: "gust-test")
        logger.logLevel = .warning
        let configuration = ServerConfiguration(
            dataDirectory: dataDirectory, host: "127.0.0.1", port: 0, httpPort: 0, sandbox: sandbox,
            keepAliveSeconds: keepAliveSeconds, asyncRetryBaseSeconds: 0.2,
            accessKey: accessKey, secretKey: secretKey)
        let (ports, continuation) = AsyncStream.makeStream(of: (api: Bool, port: Int).self)
        let (stop, stopper) = AsyncStream.makeStream(of: Void.self)
        let task = Task {
            defer { continuation.finish() }
            try await GustServer(configuration: configuration, logger: logger).run(
                stop: stop, onListening: { continuation.yield((true, $0)) }, onHTTPListening: { continuation.yield((false, $0)) })
        }
        var api: Int?
        var http: Int?
        for await (isAPI, port) in ports {
            if isAPI { api = port } else { http = port }
            if let api, let http {
                return LiveServer(port: api, httpPort: http, dataDirectory: dataDirectory, task: task, stopper: stopper)
            }
        }
        _ = try await task.value
        throw LiveServerError(message: "the server stopped before it listened")
    }

    init(port: Int, httpPort: Int, dataDirectory: String, task: Task<Void, any Error>, stopper: AsyncStream<Void>.Continuation) {
        self.stopper = stopper
        self.port = port
        self.httpPort = httpPort
        self.dataDirectory = dataDirectory
        self.task = task
        self.client = GustClient(
            endpoint: URL(string: "http://127.0.0.1:\(port)")!, accessKey: Self.accessKey, secretKey: Self.secretKey)
    }

    public func stop() async {
        stopper.finish()
        _ = try? await task.value
        try? FileManager.default.removeItem(atPath: dataDirectory)
    }

    /// Zips `files` (name → content) into a function package; `bootstrap` is made executable.
    public static func zip(_ files: [String: String]) throws -> [UInt8] {
        let base = URL(fileURLWithPath: NSTemporaryDirectory() + "gust-zip-\(UUID().uuidString)")
        let source = base.appendingPathComponent("src")
        try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: base) }
        for (name, content) in files {
            let url = source.appendingPathComponent(name)
            try content.write(to: url, atomically: true, encoding: .utf8)
            if name == "bootstrap" { chmod(url.path, 0o755) }
        }
        let zip = base.appendingPathComponent("code.zip")
        try FileManager.default.zipItem(at: source, to: zip, shouldKeepParent: false)
        return Array(try Data(contentsOf: zip))
    }
}

public struct LiveServerError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
