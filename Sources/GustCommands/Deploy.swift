import ArgumentParser
import Foundation
import GustClient
import ZIPFoundation

struct Deploy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create or update the functions a gust.yaml declares.")

    @Argument(help: "App directory holding gust.yaml (or the yaml file itself).")
    var directory = "."

    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await runReporting {
            let manifest = try Manifest.load(directory: directory)
            let base = directory.hasSuffix(".yaml") || directory.hasSuffix(".yml")
                ? URL(fileURLWithPath: directory).deletingLastPathComponent().path : directory
            let client = try options.client()
            var deployed: [[String: Any]] = []
            for function in manifest.functions {
                let code = function.code ?? "."
                let codePath = (code.hasPrefix("/") ? URL(fileURLWithPath: code) : URL(fileURLWithPath: base).appendingPathComponent(code))
                    .standardizedFileURL.path
                if !options.json { print("\(function.name): packaging \(codePath)") }
                let zip = try Self.zip(directory: codePath)
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
                    if !options.json { print("\(function.name): creating (\(zip.count) bytes)") }
                    var create = configuration
                    create["FunctionName"] = function.name
                    create["Code"] = ["ZipFile": Data(zip).base64EncodedString()]
                    result = try await client.createFunction(create)
                } else {
                    if !options.json { print("\(function.name): updating code (\(zip.count) bytes) and configuration") }
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
                    if !options.json {
                        print("\(function.name): routes \(stored.compactMap { $0["RouteKey"] as? String }.joined(separator: ", "))")
                    }
                }
                deployed.append(result)
                if !options.json { print("\(function.name): deployed (\(function.runtime), \(result["MemorySize"] ?? "") MB)") }
            }
            if options.json { Output.json(["Functions": deployed]) }
        }
    }

    /// Zips a directory's contents (not the directory itself), keeping file modes.
    static func zip(directory: String) throws -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CLIError("code directory \(directory) does not exist")
        }
        let target = FileManager.default.temporaryDirectory.appendingPathComponent("gust-\(UUID().uuidString).zip")
        defer { try? FileManager.default.removeItem(at: target) }
        try FileManager.default.zipItem(at: URL(fileURLWithPath: directory), to: target, shouldKeepParent: false)
        return Array(try Data(contentsOf: target))
    }
}
