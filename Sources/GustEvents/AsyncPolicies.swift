import GustCore
import GustStore

/// What the async path applies to one function's events: its event invoke config and its
/// dead-letter queue.
public struct AsyncRules: Sendable, Equatable {
    public var config: EventInvokeConfig?
    public var deadLetterTargetArn: String?

    public init(config: EventInvokeConfig? = nil, deadLetterTargetArn: String? = nil) {
        self.config = config
        self.deadLetterTargetArn = deadLetterTargetArn
    }
}

/// Looks up `AsyncRules`. Read per event, not cached: the async path is not the hot path, and a
/// change through the API then holds for the very next event.
public struct AsyncPolicies: Sendable {
    let configs: any EventInvokeConfigStore
    let functions: any FunctionStore

    public init(configs: any EventInvokeConfigStore, functions: any FunctionStore) {
        self.configs = configs
        self.functions = functions
    }

    /// A store fault leaves the defaults in place rather than holding the event.
    public func rules(for functionName: String, qualifier: String?) async -> AsyncRules {
        let qualifier = qualifier ?? FunctionConfiguration.latest
        let config = try? await configs.eventInvokeConfig(functionName: functionName, qualifier: qualifier)
        var version = qualifier
        if qualifier != FunctionConfiguration.latest, Int(qualifier) == nil,
            let alias = try? await functions.alias(functionName, qualifier)
        {
            version = alias.functionVersion
        }
        let function = try? await functions.version(functionName, version)
        return AsyncRules(config: config, deadLetterTargetArn: function?.deadLetterTargetArn)
    }
}
