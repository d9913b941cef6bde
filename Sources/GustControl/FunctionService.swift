import Foundation
import GustCore
import GustScheduler
import GustStore

/// The control plane's rules for functions, versions, aliases and concurrency: validation, code
/// storage, and telling the scheduler what changed. The gateway only translates the wire.
public struct FunctionService: Sendable {
    public let store: any FunctionStore
    public let code: CodeStore
    public let scheduler: Scheduler
    /// The functions' own keys; nil where functions get none (tests of other parts).
    public let keys: FunctionKeys?

    public init(store: any FunctionStore, code: CodeStore, scheduler: Scheduler, keys: FunctionKeys? = nil) {
        self.store = store
        self.code = code
        self.scheduler = scheduler
        self.keys = keys
    }

    public func create(_ input: CreateFunctionInput) async throws(GustError) -> FunctionConfiguration {
        try FunctionName.validate(input.name)
        var config = FunctionConfiguration(
            name: input.name, runtime: input.runtime, handler: input.handler, memoryMB: input.memoryMB ?? 128,
            timeoutSeconds: input.timeoutSeconds ?? 3, environment: input.environment ?? [:],
            description: input.description ?? "", role: input.role ?? "", keepAliveSeconds: input.keepAliveSeconds,
            ephemeralStorageMB: input.ephemeralStorageMB, network: input.network, codeSha256: "", codeID: "", codeSize: 0)
        config.deadLetterTargetArn = input.deadLetterTargetArn
        try config.validate()
        if try await store.latest(input.name) != nil {
            throw .conflict("Function already exist: \(input.name)")
        }
        let stored = try code.store(zip: input.zip)
        config.codeSha256 = stored.sha256Base64
        config.codeID = stored.codeID
        config.codeSize = stored.size
        try await store.createFunction(config)
        // Before `prepare`: a wasm spare made there already holds the key in its environment.
        try await keys?.issue(for: config.name)
        await scheduler.prepare(config)
        if input.publish { return try await store.publishVersion(input.name, description: nil) }
        return config
    }

    public func get(_ name: String, qualifier: String?) async throws(GustError) -> FunctionConfiguration {
        if let qualifier, qualifier != FunctionConfiguration.latest, Int(qualifier) == nil {
            guard let alias = try await store.alias(name, qualifier) else { throw Self.notFound(name, qualifier) }
            return try await get(name, qualifier: alias.functionVersion)
        }
        guard let config = try await store.version(name, qualifier ?? FunctionConfiguration.latest) else {
            throw Self.notFound(name, qualifier)
        }
        return config
    }

    public func list(marker: String?, maxItems: Int?) async throws(GustError) -> (functions: [FunctionConfiguration], nextMarker: String?) {
        let limit = min(max(maxItems ?? 50, 1), 50)
        let page = try await store.listFunctions(after: marker, limit: limit + 1)
        let functions = Array(page.prefix(limit))
        return (functions, page.count > limit ? functions.last?.name : nil)
    }

    public func updateCode(_ name: String, zip: [UInt8], publish: Bool) async throws(GustError) -> FunctionConfiguration {
        var config = try await get(name, qualifier: nil)
        let stored = try code.store(zip: zip)
        config.codeSha256 = stored.sha256Base64
        config.codeID = stored.codeID
        config.codeSize = stored.size
        return try await saveLatest(config, publish: publish)
    }

    public func updateConfiguration(_ name: String, _ patch: ConfigurationPatch) async throws(GustError) -> FunctionConfiguration {
        var config = try await get(name, qualifier: nil)
        patch.apply(to: &config)
        try config.validate()
        return try await saveLatest(config, publish: false)
    }

    private func saveLatest(_ config: FunctionConfiguration, publish: Bool) async throws(GustError) -> FunctionConfiguration {
        var config = config
        config.lastModified = Date()
        config.revisionID = UUID().uuidString.lowercased()
        try await store.updateLatest(config)
        await scheduler.functionChanged(config.name, .latest)
        await scheduler.prepare(config)
        if publish { return try await store.publishVersion(config.name, description: nil) }
        return config
    }

    public func delete(_ name: String) async throws(GustError) {
        try await store.deleteFunction(name)
        keys?.revoke(name)
        await scheduler.functionChanged(name, .deleted)
    }

    public func publishVersion(_ name: String, description: String?) async throws(GustError) -> FunctionConfiguration {
        try await store.publishVersion(name, description: description)
    }

    public func versions(_ name: String) async throws(GustError) -> [FunctionConfiguration] {
        try await store.versions(name)
    }

    // MARK: Aliases

    public func createAlias(_ alias: Alias) async throws(GustError) -> Alias {
        try FunctionName.validateAliasName(alias.name)
        try await checkAliasTargets(alias)
        try await store.createAlias(alias)
        await scheduler.functionChanged(alias.functionName, .routing)
        return alias
    }

    public func alias(_ functionName: String, _ name: String) async throws(GustError) -> Alias {
        guard try await store.latest(functionName) != nil else { throw Self.notFound(functionName, nil) }
        guard let alias = try await store.alias(functionName, name) else {
            throw .notFound("Alias not found: \(FunctionName.arn(functionName, qualifier: name))")
        }
        return alias
    }

    public func aliases(_ functionName: String) async throws(GustError) -> [Alias] {
        guard try await store.latest(functionName) != nil else { throw Self.notFound(functionName, nil) }
        return try await store.aliases(functionName)
    }

    public func updateAlias(
        _ functionName: String, _ name: String, functionVersion: String?, description: String?,
        weights: [String: Double]?
    ) async throws(GustError) -> Alias {
        var alias = try await alias(functionName, name)
        if let functionVersion { alias.functionVersion = functionVersion }
        if let description { alias.description = description }
        if let weights { alias.additionalVersionWeights = weights }
        alias.revisionID = UUID().uuidString.lowercased()
        try await checkAliasTargets(alias)
        try await store.updateAlias(alias)
        await scheduler.functionChanged(functionName, .routing)
        return alias
    }

    public func deleteAlias(_ functionName: String, _ name: String) async throws(GustError) {
        try await store.deleteAlias(functionName, name)
        await scheduler.functionChanged(functionName, .routing)
    }

    private func checkAliasTargets(_ alias: Alias) async throws(GustError) {
        try alias.validateWeights()
        for version in [alias.functionVersion] + Array(alias.additionalVersionWeights.keys) {
            guard try await store.version(alias.functionName, version) != nil else {
                throw .notFound("Function not found: \(FunctionName.arn(alias.functionName, qualifier: version))")
            }
        }
    }

    // MARK: Concurrency

    public func reservedConcurrency(_ name: String) async throws(GustError) -> Int? {
        guard try await store.latest(name) != nil else { throw Self.notFound(name, nil) }
        return try await store.reservedConcurrency(name)
    }

    public func setReservedConcurrency(_ name: String, _ value: Int?) async throws(GustError) {
        if let value, !(0...1000).contains(value) {
            throw .invalid("Value \(value) at 'reservedConcurrentExecutions' failed to satisfy constraint: Member must have value between 0 and 1000")
        }
        try await store.setReservedConcurrency(name, value)
        await scheduler.functionChanged(name, .routing)
    }

    static func notFound(_ name: String, _ qualifier: String?) -> GustError {
        .notFound("Function not found: \(FunctionName.arn(name, qualifier: qualifier))")
    }
}
