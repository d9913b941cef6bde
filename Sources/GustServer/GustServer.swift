import Foundation
import GustControl
import GustCore
import GustEvents
import GustObjectStore
import GustGateway
import GustHTTPServer
import GustProcess
import GustQueue
import GustWasm
import GustRuntime
import GustScheduler
import GustSigV4
import GustStoreSQLite
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// The composition root: turns a configuration into one `ServiceGroup` of every long-running part.
/// The only place that knows the concrete store, runtimes and gateway.
public struct GustServer: Sendable {
    public let configuration: ServerConfiguration
    public let logger: Logger

    public init(configuration: ServerConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs until SIGTERM/SIGINT (or cancellation). `onListening` receives the bound port.
    /// `stop`, when given, triggers the same graceful shutdown as SIGTERM once it yields or ends.
    public func run(
        stop: AsyncStream<Void>? = nil, onListening: @escaping @Sendable (Int) async -> Void = { _ in },
        onHTTPListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        let config = configuration
        // Every connection and instance costs descriptors; the distribution's default soft
        // limit (often 1024) is far below what the hard limit allows.
        let fds = FileDescriptors.raiseSoftLimit()
        logger.info("file descriptor limit", metadata: ["soft": "\(fds.soft)", "hard": "\(fds.hard)", "now": "\(fds.raised)"])
        let dataDirectory = URL(fileURLWithPath: config.dataDirectory).standardizedFileURL.path
        let bootstrapDirectory = "\(dataDirectory)/runtime/bootstraps"
        do {
            try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        } catch {
            throw GustError.internalError("cannot create data directory \(dataDirectory): \(error)")
        }
        // Code, keys and records are Gust's alone.
        chmod(dataDirectory, 0o700)

        let credentials = try resolveCredentials(dataDirectory)
        let store = try SQLiteStore(path: "\(dataDirectory)/gust.sqlite")
        let code = try CodeStore(root: "\(dataDirectory)/code")

        let interpreters = Interpreters.resolve()
        do {
            try Bootstraps.install(into: bootstrapDirectory, python: interpreters.python)
        } catch {
            throw GustError.internalError("cannot prepare data directory \(dataDirectory): \(error)")
        }
        logger.info("interpreters", metadata: ["python": "\(interpreters.python ?? "missing")", "node": "\(interpreters.node ?? "missing")"])
        let pythonPackages = PythonPackages.find(configured: config.pythonPackages, dataDirectory: dataDirectory, logger: logger)
        let hosts = SandboxHosts(path: "\(dataDirectory)/sandbox/hosts")
        let sandbox = try SandboxSetup(configuration: config, logger: logger).sandbox(
            dataDirectory: dataDirectory, bootstrapDirectory: bootstrapDirectory, interpreters: interpreters,
            shown: [pythonPackages].compactMap { $0 }, hostsFile: hosts.path)
        let limiter = MemoryLimiter.detect(logger: logger, cpu: CPUShare(floorCores: config.cpuFloorCores))
        let processConfiguration = ProcessRuntime.Configuration(
            interpreters: interpreters, sandbox: sandbox, memoryLimiter: limiter, pythonPackages: pythonPackages)
        let processRuntime = ProcessRuntime(configuration: processConfiguration, logger: logger)

        let wasmRuntime = WasmRuntime(scratchRoot: "\(dataDirectory)/scratch", logger: logger)

        // Each function's own key, and where its instances find Gust's endpoint (known once the
        // API port listens; instances only start after that).
        let functionKeys = FunctionKeys(store: store)
        try await functionKeys.load()
        let apiPort = EndpointPort()
        let services: @Sendable (FunctionConfiguration) -> ServiceEnvironment = { function in
            ServiceEnvironment(
                endpoint: apiPort.port.map { ServiceEnvironment.endpointURL(host: config.host, port: $0) },
                credentials: functionKeys.credentials(function: function.name))
        }

        let recorder = InvocationRecorder(log: store, logger: logger)
        let retry = RetryPolicy(maxAttempts: 3, baseDelay: config.asyncRetryBaseSeconds)
        let scheduler = Scheduler(
            functions: store, recorder: recorder,
            runtimes: [.python: processRuntime, .node: processRuntime, .provided: processRuntime, .wasm: wasmRuntime],
            codeDirectory: { code.directory(for: $0.codeID) }, services: services,
            settings: SchedulerSettings(
                defaultKeepAlive: config.keepAliveSeconds, defaultMaxInstances: config.maxInstancesPerFunction),
            logger: logger)
        let queues = QueueService(store: store, region: FunctionName.region, account: FunctionName.account)
        let notifyWorker = Mutex<(@Sendable () -> Void)?>(nil)
        let destinations = AsyncDestinations(queues: queues, events: store, enqueued: { notifyWorker.withLock { $0 }?() })
        let worker = AsyncInvocationWorker(
            queue: store, invoker: scheduler, policy: retry, policies: AsyncPolicies(configs: store, functions: store),
            destinations: destinations, workers: 8, logger: logger)
        notifyWorker.withLock { $0 = { worker.notify() } }
        let pollers = EventSourcePollers(
            store: store, queues: queues, invoker: scheduler, defaultConcurrency: config.maxInstancesPerFunction, logger: logger)
        let functions = FunctionService(store: store, code: code, scheduler: scheduler, keys: functionKeys)
        // The root key first, without a lock: it signs the warm invocations of the CLI and SDKs.
        let root = SigV4Key(secret: credentials.secretAccessKey, principal: "root")
        let rootAccessKey = credentials.accessKeyId
        let verifierKeys: @Sendable (String) -> SigV4Key? = { accessKey in
            if accessKey == rootAccessKey { return root }
            return functionKeys.credentials(accessKey: accessKey).map {
                SigV4Key(secret: $0.secretAccessKey, sessionToken: $0.sessionToken, principal: $0.principal)
            }
        }
        let verifier = SigV4Verifier(keys: verifierKeys)
        let triggers = HTTPTriggers(store: store, keys: store, urls: store, invoker: scheduler, verifier: verifier)
        try await triggers.reload()
        let notifier = BucketNotifier(
            events: store, asyncQueue: store, queues: queues, region: FunctionName.region, enqueued: { worker.notify() }, logger: logger)
        let objects: ObjectService
        do {
            objects = ObjectService(
                store: store, backend: try FileBackend(root: "\(dataDirectory)/objects"), region: FunctionName.region,
                eventsCommitted: { notifier.notify() },
                bucketsChanged: { buckets in hosts.update(buckets: buckets) },
                destinationExists: { rule in
                    switch rule.target {
                    case .function:
                        guard let (name, _) = try? FunctionName.parse(rule.arn), let found = try? await store.latest(name) else { return false }
                        return found != nil
                    case .queue:
                        let name = rule.arn.split(separator: ":").last.map(String.init) ?? rule.arn
                        return (try? await queues.queue(named: name)) != nil
                    }
                })
            hosts.update(buckets: try await store.buckets().map(\.name))
            // Before the endpoint serves: nothing may be writing a blob its commit will name.
            let collected = try await objects.collectOrphans()
            if collected > 0 { logger.info("collected \(collected) object blobs no object names (left by a crash)") }
        } catch {
            throw GustError.internalError("cannot prepare the object store: \(error)")
        }
        let gatewayDependencies = Gateway.Dependencies(
            functions: functions, invoker: scheduler, asyncQueue: store, asyncEnqueued: { worker.notify() },
            log: store, recorder: recorder, verifier: verifier, triggers: triggers,
            services: ServiceRoutes([SQSJSONAPI(queues: queues), S3API(objects: objects, signingKeys: { verifierKeys($0) })]),
            mappings: EventSourceMappings(store: store, functions: store, queues: queues, changed: { pollers.mappingsChanged() }),
            eventInvokeConfigs: EventInvokeConfigs(store: store, functions: store))
        let router = Gateway.router(gatewayDependencies)
        let serverName = "Gust"
        let host = config.host
        let logger = self.logger
        let app = Application(
            router: router,
            server: Gateway.httpServer(
                gatewayDependencies, serverName: serverName,
                settings: config.connections.settings(
                    base: Gateway.apiListenerSettings, maxConnections: config.connections.maxAPIConnections),
                logger: logger),
            configuration: .init(address: .hostname(config.host, port: config.port), serverName: serverName),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? config.port
                apiPort.set(port)
                processConfiguration.listening(onPort: port)
                logger.info("Gust listening on http://\(host):\(port)")
                await onListening(port)
            },
            logger: logger)
        let http = HTTPTriggerServer(
            triggers: triggers, host: config.host, port: config.httpPort,
            settings: config.connections.settings(
                base: HTTPTriggerServer.defaultSettings, maxConnections: config.connections.maxHTTPConnections),
            logger: logger, onListening: onHTTPListening)
        let retention = RetentionService(
            log: store, recorder: recorder, maxAge: config.logRetentionDays * 86400,
            keepPerFunction: config.logRetentionCount, logger: logger)

        // Shut down in reverse: stop accepting requests, finish async work, stop instances, flush records.
        // QueueMaintenance comes after the app so that long polls end before the app drains.
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    recorder, KeepAliveReaper(scheduler: scheduler), worker, pollers, retention, notifier, app,
                    QueueMaintenance(queues: queues, logger: logger), http,
                ],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        // The instance cgroups are gone once the scheduler stopped them; their parent goes too,
        // also when a service failed.
        defer { limiter.removeParent() }
        try await withThrowingDiscardingTaskGroup { tasks in
            if let stop {
                tasks.addTask {
                    for await _ in stop { break }
                    await group.triggerGracefulShutdown()
                }
            }
            try await group.run()
            tasks.cancelAll()
        }
    }

    private func resolveCredentials(_ dataDirectory: String) throws(GustError) -> Credentials {
        if let key = configuration.accessKey, let secret = configuration.secretKey {
            return Credentials(accessKeyId: key, secretAccessKey: secret)
        }
        let (credentials, created) = try Credentials.loadOrCreate(in: dataDirectory)
        if created {
            print("Generated root credentials (stored in \(Credentials.file(in: dataDirectory))):")
            print("  GUST_ACCESS_KEY=\(credentials.accessKeyId)")
            print("  GUST_SECRET_KEY=\(credentials.secretAccessKey)")
        }
        return credentials
    }
}

extension ServerConfiguration.Connections {
    /// A listener's settings: `base` (its reserve and body limit) with these limits.
    func settings(base: ListenerSettings, maxConnections: Int) -> ListenerSettings {
        var settings = base
        settings.maxConnections = maxConnections
        settings.idleTimeout = .nanoseconds(Int64(idleTimeout * 1e9))
        settings.headerTimeout = .nanoseconds(Int64(headerTimeout * 1e9))
        settings.minBodyBytesPerSecond = minBodyRate
        settings.maxHeaderCount = maxHeaderCount
        settings.maxHeaderBytes = maxHeaderBytes
        settings.maxRequestLineBytes = maxRequestLineBytes
        return settings
    }
}
