import Foundation
import GustCore
import GustEvents
import Hummingbird

/// Lambda's FunctionEventInvokeConfig operations (`/2019-09-25/functions/{name}/event-invoke-config`).
struct EventInvokeConfigAPI: Sendable {
    let configs: EventInvokeConfigs

    func register(on router: Router<some RequestContext>) {
        let path = "/2019-09-25/functions/:name/event-invoke-config"
        router.put(RouterPath(path)) { request, context in try await put(request, context, replacing: true) }
        router.post(RouterPath(path)) { request, context in try await put(request, context, replacing: false) }
        router.get(RouterPath(path)) { request, context in
            let (name, qualifier) = try LambdaWire.target(request, context)
            return try LambdaWire.json(Self.wire(try await configs.get(name, qualifier: qualifier)))
        }
        router.delete(RouterPath(path)) { request, context in
            let (name, qualifier) = try LambdaWire.target(request, context)
            try await configs.delete(name, qualifier: qualifier)
            return LambdaWire.empty(.noContent)
        }
        router.get(RouterPath(path + "/list")) { request, context in
            let (name, _) = try LambdaWire.target(request, context)
            return try LambdaWire.json(["FunctionEventInvokeConfigs": try await configs.list(name).map(Self.wire)])
        }
    }

    private func put(_ request: Request, _ context: some RequestContext, replacing: Bool) async throws -> Response {
        let (name, qualifier) = try LambdaWire.target(request, context)
        let body = try await LambdaWire.body(request)
        var fields = EventInvokeConfigs.Fields(
            maximumRetryAttempts: try LambdaWire.int(body, "MaximumRetryAttempts"),
            maximumEventAgeSeconds: try LambdaWire.int(body, "MaximumEventAgeInSeconds"))
        if let destinations = body["DestinationConfig"], !(destinations is NSNull) {
            guard let object = destinations as? [String: Any] else { throw GustError.invalid("DestinationConfig must be an object") }
            fields.onSuccess = try Self.destination(object, "OnSuccess")
            fields.onFailure = try Self.destination(object, "OnFailure")
        }
        return try LambdaWire.json(Self.wire(try await configs.put(name, qualifier: qualifier, fields, replacing: replacing)))
    }

    /// `{"OnFailure": {"Destination": ARN}}`; an empty object clears it ("").
    private static func destination(_ object: [String: Any], _ key: String) throws(GustError) -> String? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let target = value as? [String: Any] else { throw .invalid("DestinationConfig.\(key) must be an object") }
        return try LambdaWire.string(target, "Destination") ?? ""
    }

    static func wire(_ config: EventInvokeConfig) -> [String: Any] {
        var destinations: [String: Any] = [:]
        if let target = config.onSuccess { destinations["OnSuccess"] = ["Destination": target] }
        if let target = config.onFailure { destinations["OnFailure"] = ["Destination": target] }
        var object: [String: Any] = [
            "FunctionArn": FunctionName.arn(config.functionName, qualifier: config.qualifier),
            "LastModified": config.lastModified.timeIntervalSince1970,
            "DestinationConfig": destinations,
        ]
        if let retries = config.maximumRetryAttempts { object["MaximumRetryAttempts"] = retries }
        if let age = config.maximumEventAgeSeconds { object["MaximumEventAgeInSeconds"] = age }
        return object
    }
}
