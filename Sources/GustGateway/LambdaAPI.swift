import Foundation
import GustControl
import GustCore
import GustScheduler
import GustStore
import HTTPTypes
import Hummingbird

/// The Lambda REST API (`/2015-03-31/functions…` and the concurrency paths), wire-compatible with
/// awscli and boto3. Handlers decode, call `FunctionService` or the `Invoker`, and encode.
struct LambdaAPI: Sendable {
    let functions: FunctionService
    let invoker: any Invoker
    let asyncQueue: any AsyncEventQueue
    let asyncEnqueued: @Sendable () -> Void
    /// Told when a function is deleted: its HTTP routes went with it.
    var functionDeleted: @Sendable () async -> Void = {}

    static let syncPayloadLimit = 6 * 1024 * 1024
    static let asyncPayloadLimit = 1024 * 1024

    func register(on router: Router<some RequestContext>) {
        let base = "/2015-03-31/functions"
        router.post(RouterPath(base)) { request, _ in try await create(request) }
        router.get(RouterPath(base)) { request, _ in try await list(request) }
        router.get(RouterPath(base + "/:name")) { request, context in try await get(request, context) }
        router.delete(RouterPath(base + "/:name")) { request, context in try await delete(request, context) }
        router.get(RouterPath(base + "/:name/configuration")) { request, context in
            let (name, qualifier) = try LambdaWire.target(request, context)
            return try LambdaWire.json(LambdaWire.configuration(try await functions.get(name, qualifier: qualifier)))
        }
        router.put(RouterPath(base + "/:name/configuration")) { request, context in try await updateConfiguration(request, context) }
        router.put(RouterPath(base + "/:name/code")) { request, context in try await updateCode(request, context) }
        router.post(RouterPath(base + "/:name/invocations")) { request, context in try await invoke(request, context) }
        registerVersions(on: router)
    }

    /// The function name (and qualifier) from the path, plus `?Qualifier=`.
    func create(_ request: Request) async throws -> Response {
        let body = try await LambdaWire.body(request)
        guard let code = body["Code"] as? [String: Any] else {
            throw GustError.invalid("1 validation error detected: Value null at 'code' failed to satisfy constraint: Member must not be null")
        }
        guard let zip = try LambdaWire.zipFile(code) else {
            throw GustError.invalid("Gust accepts function code as Code.ZipFile only")
        }
        let runtime = try LambdaWire.string(body, "Runtime", required: true)!
        let input = CreateFunctionInput(
            name: try LambdaWire.string(body, "FunctionName", required: true)!,
            runtime: runtime,
            handler: try LambdaWire.string(body, "Handler") ?? "",
            zip: zip,
            memoryMB: try LambdaWire.int(body, "MemorySize"),
            timeoutSeconds: try LambdaWire.int(body, "Timeout"),
            environment: try LambdaWire.environment(body),
            description: try LambdaWire.string(body, "Description"),
            role: try LambdaWire.string(body, "Role"),
            keepAliveSeconds: try LambdaWire.int(body, "GustKeepAliveSeconds"),
            ephemeralStorageMB: try LambdaWire.ephemeralStorage(body), network: try LambdaWire.network(body),
            deadLetterTargetArn: try LambdaWire.deadLetterTarget(body).flatMap { $0.isEmpty ? nil : $0 },
            publish: try LambdaWire.bool(body, "Publish") ?? false)
        let config = try await functions.create(input)
        return try LambdaWire.json(LambdaWire.configuration(config), status: .created)
    }

    func list(_ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        let maxItems = query.get("MaxItems").flatMap { Int($0) }
        if let maxItems, !(1...10000).contains(maxItems) {
            throw GustError.invalid("Value \(maxItems) at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 10000")
        }
        let page = try await functions.list(marker: query.get("Marker"), maxItems: maxItems)
        var object: [String: Any] = ["Functions": page.functions.map { LambdaWire.configuration($0) }]
        if let next = page.nextMarker { object["NextMarker"] = next }
        return try LambdaWire.json(object)
    }

    func get(_ request: Request, _ context: some RequestContext) async throws -> Response {
        let (name, qualifier) = try LambdaWire.target(request, context)
        let config = try await functions.get(name, qualifier: qualifier)
        var object: [String: Any] = [
            "Configuration": LambdaWire.configuration(config, qualifiedARN: qualifier != nil),
            "Code": ["RepositoryType": "Gust", "Location": "gust://code/\(config.codeID).zip"],
            "Tags": [String: String](),
        ]
        if let reserved = try await functions.reservedConcurrency(name) {
            object["Concurrency"] = ["ReservedConcurrentExecutions": reserved]
        }
        return try LambdaWire.json(object)
    }

    func delete(_ request: Request, _ context: some RequestContext) async throws -> Response {
        let (name, qualifier) = try LambdaWire.target(request, context)
        if let qualifier, qualifier != FunctionConfiguration.latest {
            throw GustError.invalid("Deleting a single version is not supported by Gust yet; delete the function or its aliases")
        }
        try await functions.delete(name)
        await functionDeleted()
        return LambdaWire.empty(.noContent)
    }

    func updateConfiguration(_ request: Request, _ context: some RequestContext) async throws -> Response {
        let (name, _) = try LambdaWire.target(request, context)
        let body = try await LambdaWire.body(request)
        let patch = ConfigurationPatch(
            runtime: try LambdaWire.string(body, "Runtime"), handler: try LambdaWire.string(body, "Handler"),
            memoryMB: try LambdaWire.int(body, "MemorySize"), timeoutSeconds: try LambdaWire.int(body, "Timeout"),
            environment: try LambdaWire.environment(body), description: try LambdaWire.string(body, "Description"),
            role: try LambdaWire.string(body, "Role"), keepAliveSeconds: try LambdaWire.int(body, "GustKeepAliveSeconds"),
            ephemeralStorageMB: try LambdaWire.ephemeralStorage(body), network: try LambdaWire.network(body),
            deadLetterTargetArn: try LambdaWire.deadLetterTarget(body))
        return try LambdaWire.json(LambdaWire.configuration(try await functions.updateConfiguration(name, patch)))
    }

    func updateCode(_ request: Request, _ context: some RequestContext) async throws -> Response {
        let (name, _) = try LambdaWire.target(request, context)
        let body = try await LambdaWire.body(request)
        guard let zip = try LambdaWire.zipFile(body) else {
            throw GustError.invalid("Gust accepts function code as ZipFile only")
        }
        let publish = try LambdaWire.bool(body, "Publish") ?? false
        return try LambdaWire.json(LambdaWire.configuration(try await functions.updateCode(name, zip: zip, publish: publish)))
    }
}
