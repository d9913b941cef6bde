import Foundation
import GustCore
import GustRuntime
import Logging
import NIOPosix

/// Runs functions as processes speaking the Lambda Runtime API: `python3.x` and `nodejs*` through
/// bootstraps Gust ships, `provided*` through the function's own `bootstrap`.
public struct ProcessRuntime: FunctionRuntime {
    public struct Configuration: Sendable {
        public var interpreters: Interpreters
        public var sandbox: Sandbox
        public var memoryLimiter: MemoryLimiter
        /// Time a runtime may take to initialise, beside the function's own timeout (Lambda: 10 s).
        public var initTimeoutSeconds: Int
        /// Packages Gust provides to `python3.x` functions (boto3, as Lambda's runtime does), on
        /// `sys.path` after the function's own code; nil when there are none.
        public var pythonPackages: String?
        /// Where Gust's API listens, for instances with a network of their own.
        let endpoint = EndpointPort()
        /// Ready network namespaces, when instances get their own (`Sandbox.isolatesNetwork`).
        let networks: NetworkPool?
        /// Shells already inside a cgroup (see `SpareProcess`); nil without cgroups.
        let spares: SparePool?
        /// Where launch scripts for spares are written (inside the data directory, so hidden
        /// from every sandbox).
        let launchDirectory: String

        public init(
            interpreters: Interpreters, sandbox: Sandbox, memoryLimiter: MemoryLimiter, initTimeoutSeconds: Int = 10,
            pythonPackages: String? = nil
        ) {
            self.pythonPackages = pythonPackages
            self.interpreters = interpreters
            self.sandbox = sandbox
            self.memoryLimiter = memoryLimiter
            self.initTimeoutSeconds = initTimeoutSeconds
            launchDirectory = URL(fileURLWithPath: sandbox.bootstrapDirectory).deletingLastPathComponent()
                .appendingPathComponent("launch").path
            let fm = FileManager.default
            try? fm.removeItem(atPath: launchDirectory)
            let ready = (try? fm.createDirectory(atPath: launchDirectory, withIntermediateDirectories: true)) != nil
            spares = memoryLimiter.usesCgroups && ready ? SparePool(limiter: memoryLimiter) : nil
            spares?.refill()
            if case .bubblewrap = sandbox.mode, let nsenter = sandbox.profile.nsenter {
                networks = NetworkPool(
                    endpoint: endpoint, pasta: sandbox.profile.pasta, nsenter: nsenter,
                    limiter: memoryLimiter.usesCgroups && ready ? memoryLimiter : nil,
                    pinDirectory: "\(sandbox.dataDirectory)/sandbox/netns", logger: Logger(label: "gust"))
            } else {
                networks = nil
            }
        }

        /// Tells the runtime where Gust's API listens, once it does: instances with a network of
        /// their own reach it through a relay, and ready namespaces can now be prepared.
        public func listening(onPort port: Int) {
            endpoint.set(port)
            networks?.refill()
        }
    }

    let configuration: Configuration
    let logger: Logger

    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    public func start(_ spec: InstanceSpec) async throws(GustError) -> any FunctionInstance {
        guard let family = spec.function.family else {
            throw .invalid("Runtime \(spec.function.runtime) is not supported")
        }
        let taskRoot = configuration.sandbox.taskRoot(codeDirectory: spec.codeDirectory)
        let command: [String]
        switch family {
        case .python:
            guard let python = configuration.interpreters.python else {
                throw .internalError("python3 is not installed on this Gust node")
            }
            // -S: the bootstrap sets up site-packages itself, without `site`'s .pth processing
            // (which can cost more than the rest of interpreter start together).
            command = Bootstraps.pythonCommand(
                python: python, directory: configuration.sandbox.bootstrapDirectory, packages: configuration.pythonPackages)
        case .node:
            guard let node = configuration.interpreters.node else {
                throw .internalError("node is not installed on this Gust node")
            }
            command = [node, "\(configuration.sandbox.bootstrapDirectory)/\(NodeBootstrap.fileName)"]
        case .provided:
            let bootstrap = "\(spec.codeDirectory)/bootstrap"
            guard FileManager.default.fileExists(atPath: bootstrap) else {
                throw .invalid("Runtime provided needs an executable 'bootstrap' at the root of the code")
            }
            command = ["\(taskRoot)/bootstrap"]
        case .wasm:
            throw .internalError("wasm functions do not run as processes")
        }
        // The loop of the request that starts it (`ThreadAffinity`).
        let loop = ThreadAffinity.loop(spec.thread, in: MultiThreadedEventLoopGroup.singleton)
        let instance = ProcessInstance(
            spec: spec, configuration: configuration, eventLoop: loop, thread: ThreadAffinity.id(of: loop), logger: logger)
        try await instance.launch(command: command, taskRoot: taskRoot, family: family)
        return instance
    }

    public func shutdown() async {
        await configuration.spares?.close()
        configuration.networks?.close()
    }
}

/// Real paths of the interpreters, resolved once at start: `python3` is often a shim (pyenv) that
/// costs a process start of its own on every spawn.
public struct Interpreters: Sendable {
    public var python: String?
    public var node: String?

    public init(python: String?, node: String?) {
        self.python = python
        self.node = node
    }

    public static func resolve() -> Interpreters {
        // The base interpreter, not a virtual environment's: functions bring their own dependencies
        // (as on Lambda), and a venv's `bin/python` may live where the sandbox does not show it.
        let python = run(["python3", "-c", "import sys; print(getattr(sys, '_base_executable', '') or sys.executable)"])
        let node = run(["node", "-e", "process.stdout.write(process.execPath)"])
        return Interpreters(python: python, node: node)
    }

    static func run(_ arguments: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        let path = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return path.isEmpty ? nil : path
    }
}
