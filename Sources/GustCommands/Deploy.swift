import ArgumentParser
import Foundation
import GustClient

struct Deploy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create or update the functions, queues, buckets and event sources a gust.yaml declares.")

    @Argument(help: "App directory holding gust.yaml (or the yaml file itself).")
    var directory = "."

    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await runReporting {
            let manifest = try Manifest.load(directory: directory)
            let base = directory.hasSuffix(".yaml") || directory.hasSuffix(".yml")
                ? URL(fileURLWithPath: directory).deletingLastPathComponent().path : directory
            let app = manifest.name ?? URL(fileURLWithPath: base).standardizedFileURL.lastPathComponent
            let client = try options.client()
            let say: (String) -> Void = { line in if !options.json { print(line) } }
            // Checked before anything changes: a mistake in the s3 events leaves the server as it was.
            let rules = try manifest.notificationRules(app: app)
            let existingBuckets = try await checkBuckets(manifest, rules: rules, client: client)
            // Queues first: mappings and destinations name them.
            let queues = try await deployQueues(manifest, client: client, say: say)
            let buckets = try await deployBuckets(manifest, existing: existingBuckets, client: client, say: say)
            var deployed: [[String: Any]] = []
            for function in manifest.functions {
                deployed.append(try await deployFunction(function, base: base, client: client, say: say))
            }
            // After every function exists: a destination may be another function of the app.
            try await deployAsyncConfigs(manifest, client: client, say: say)
            let mappings = try await deployMappings(manifest, app: app, client: client, say: say)
            // Last: a notification names a function, which must exist and have its async settings.
            let notifications = try await deployNotifications(
                manifest, app: app, rules: rules, buckets: existingBuckets.union(buckets.compactMap { $0["Name"] as? String }),
                client: client, say: say)
            if options.json {
                Output.json([
                    "Functions": deployed, "Queues": queues, "Buckets": buckets, "EventSourceMappings": mappings,
                    "BucketNotifications": notifications,
                ])
            }
        }
    }

    func deployFunction(_ function: Manifest.Function, base: String, client: GustClient, say: @escaping (String) -> Void) async throws
        -> [String: Any]
    {
        let code = function.code ?? "."
        let codePath = (code.hasPrefix("/") ? URL(fileURLWithPath: code) : URL(fileURLWithPath: base).appendingPathComponent(code))
            .standardizedFileURL.path
        say("\(function.name): packaging \(codePath)")
        let cache = URL(fileURLWithPath: base).appendingPathComponent(".gust/deps").standardizedFileURL.path
        let zip = try CodePackage(function: function.name, runtime: function.runtime, codePath: codePath, cacheRoot: cache, say: say).zip()
        var configuration: [String: Any] = ["Runtime": function.runtime, "Handler": function.handler ?? ""]
        if let memory = function.memory { configuration["MemorySize"] = memory }
        if let timeout = function.timeout { configuration["Timeout"] = timeout }
        configuration["Environment"] = ["Variables": function.environment ?? [:]]
        if let keepAlive = function.keepAlive { configuration["GustKeepAliveSeconds"] = keepAlive }
        if let storage = function.ephemeralStorage { configuration["EphemeralStorage"] = ["Size": storage] }
        if let network = function.network { configuration["GustNetwork"] = network }
        if let description = function.description { configuration["Description"] = description }
        var result: [String: Any]
        if try await client.getFunction(function.name) == nil {
            say("\(function.name): creating (\(zip.count) bytes)")
            var create = configuration
            create["FunctionName"] = function.name
            create["Code"] = ["ZipFile": Data(zip).base64EncodedString()]
            result = try await client.createFunction(create)
        } else {
            say("\(function.name): updating code (\(zip.count) bytes) and configuration")
            _ = try await client.updateCode(function.name, zip: zip)
            result = try await client.updateConfiguration(function.name, configuration)
        }
        try await client.setConcurrency(function.name, function.concurrency)
        // The manifest owns the function's routes: these replace whatever it had.
        let routes = (function.events ?? []).compactMap(\.http).map { http -> [String: Any] in
            var route: [String: Any] = ["Method": (http.method ?? "ANY").uppercased(), "Path": http.path]
            if let qualifier = http.qualifier { route["Qualifier"] = qualifier }
            if let auth = http.auth { route["Auth"] = auth.wire }
            if let cors = http.cors { route["Cors"] = cors.wire }
            if let throttle = http.throttle {
                var wire: [String: Any] = ["RateLimit": throttle.rate]
                if let burst = throttle.burst { wire["BurstLimit"] = burst }
                route["Throttle"] = wire
            }
            return route
        }
        let stored = try await client.setRoutes(function.name, routes)
        if !stored.isEmpty {
            result["Routes"] = stored
            say("\(function.name): routes \(stored.compactMap { $0["RouteKey"] as? String }.joined(separator: ", "))")
        }
        say("\(function.name): deployed (\(function.runtime), \(result["MemorySize"] ?? "") MB)")
        return result
    }
}
