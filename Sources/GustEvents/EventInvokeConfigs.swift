import Foundation
import GustCore
import GustStore

/// The rules of Put/Update/Get/Delete/ListFunctionEventInvokeConfigs; the gateway translates the
/// wire. A config belongs to a function version or alias that exists.
public struct EventInvokeConfigs: Sendable {
    let store: any EventInvokeConfigStore
    let functions: any FunctionStore

    public init(store: any EventInvokeConfigStore, functions: any FunctionStore) {
        self.store = store
        self.functions = functions
    }

    /// The fields a Put or Update names; `Put` replaces all of them, `Update` only these.
    public struct Fields: Sendable {
        public var maximumRetryAttempts: Int?
        public var maximumEventAgeSeconds: Int?
        public var onSuccess: String?
        public var onFailure: String?

        public init(maximumRetryAttempts: Int? = nil, maximumEventAgeSeconds: Int? = nil, onSuccess: String? = nil, onFailure: String? = nil) {
            self.maximumRetryAttempts = maximumRetryAttempts
            self.maximumEventAgeSeconds = maximumEventAgeSeconds
            self.onSuccess = onSuccess
            self.onFailure = onFailure
        }
    }

    public func put(_ name: String, qualifier: String?, _ fields: Fields, replacing: Bool) async throws(GustError) -> EventInvokeConfig {
        let qualifier = try await existing(name, qualifier)
        var config: EventInvokeConfig
        if replacing {
            config = EventInvokeConfig(functionName: name, qualifier: qualifier)
        } else {
            guard let current = try await store.eventInvokeConfig(functionName: name, qualifier: qualifier) else {
                throw Self.notFound(name, qualifier)
            }
            config = current
        }
        if let value = fields.maximumRetryAttempts { config.maximumRetryAttempts = value }
        if let value = fields.maximumEventAgeSeconds { config.maximumEventAgeSeconds = value }
        if let value = fields.onSuccess { config.onSuccess = value.isEmpty ? nil : value }
        if let value = fields.onFailure { config.onFailure = value.isEmpty ? nil : value }
        config.lastModified = Date()
        try config.validate()
        try await store.putEventInvokeConfig(config)
        return config
    }

    public func get(_ name: String, qualifier: String?) async throws(GustError) -> EventInvokeConfig {
        let qualifier = try await existing(name, qualifier)
        guard let config = try await store.eventInvokeConfig(functionName: name, qualifier: qualifier) else {
            throw Self.notFound(name, qualifier)
        }
        return config
    }

    public func list(_ name: String) async throws(GustError) -> [EventInvokeConfig] {
        _ = try await existing(name, nil)
        return try await store.eventInvokeConfigs(functionName: name)
    }

    public func delete(_ name: String, qualifier: String?) async throws(GustError) {
        let qualifier = try await existing(name, qualifier)
        guard try await store.deleteEventInvokeConfig(functionName: name, qualifier: qualifier) else {
            throw Self.notFound(name, qualifier)
        }
    }

    /// The qualifier the config is kept under, once the function and qualifier are known to exist.
    private func existing(_ name: String, _ qualifier: String?) async throws(GustError) -> String {
        let qualifier = qualifier ?? FunctionConfiguration.latest
        let exists: Bool
        if qualifier != FunctionConfiguration.latest, Int(qualifier) == nil {
            exists = try await functions.alias(name, qualifier) != nil
        } else {
            exists = try await functions.version(name, qualifier) != nil
        }
        guard exists else { throw .notFound("Function not found: \(FunctionName.arn(name, qualifier: qualifier))") }
        return qualifier
    }

    static func notFound(_ name: String, _ qualifier: String) -> GustError {
        .notFound("The function \(FunctionName.arn(name, qualifier: qualifier)) doesn't have an EventInvokeConfig")
    }
}
