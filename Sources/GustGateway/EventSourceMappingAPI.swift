import Foundation
import GustCore
import GustEvents
import Hummingbird

/// Lambda's event source mapping operations (`/2015-03-31/event-source-mappings/…`) and ListTags
/// for mappings, translated to and from `EventSourceMappings`.
struct EventSourceMappingAPI: Sendable {
    let mappings: EventSourceMappings

    func register(on router: Router<some RequestContext>) {
        let base = "/2015-03-31/event-source-mappings"
        router.post(RouterPath(base)) { request, _ in
            let body = try await LambdaWire.body(request)
            let mapping = try await mappings.create(eventSourceArn: try LambdaWire.string(body, "EventSourceArn"), try settings(body))
            return try LambdaWire.json(Self.wire(mapping, state: "Creating"), status: .accepted)
        }
        router.get(RouterPath(base)) { request, _ in
            let query = request.uri.queryParameters
            let page = try await mappings.list(
                functionName: query.get("FunctionName"), eventSourceArn: query.get("EventSourceArn"), marker: query.get("Marker"),
                maxItems: query.get("MaxItems").flatMap { Int($0) })
            var object: [String: Any] = ["EventSourceMappings": page.mappings.map { Self.wire($0) }]
            if let next = page.nextMarker { object["NextMarker"] = next }
            return try LambdaWire.json(object)
        }
        router.get(RouterPath(base + "/:uuid")) { _, context in
            try LambdaWire.json(Self.wire(try await mappings.get(context.parameters.get("uuid") ?? "")))
        }
        router.put(RouterPath(base + "/:uuid")) { request, context in
            let body = try await LambdaWire.body(request)
            let mapping = try await mappings.update(context.parameters.get("uuid") ?? "", try settings(body))
            return try LambdaWire.json(Self.wire(mapping, state: "Updating"), status: .accepted)
        }
        router.delete(RouterPath(base + "/:uuid")) { _, context in
            let mapping = try await mappings.delete(context.parameters.get("uuid") ?? "")
            return try LambdaWire.json(Self.wire(mapping, state: "Deleting"), status: .accepted)
        }
        router.get(RouterPath("/2017-03-31/tags/**")) { request, _ in
            // The ARN is the rest of the path, percent-encoded by the SDKs.
            let raw = request.uri.path.dropFirst("/2017-03-31/tags/".count)
            let arn = String(raw).removingPercentEncoding ?? String(raw)
            return try LambdaWire.json(["Tags": try await mappings.tags(arn: arn)])
        }
    }

    private func settings(_ body: [String: Any]) throws(GustError) -> EventSourceMappings.Settings {
        var settings = EventSourceMappings.Settings(
            functionName: try LambdaWire.string(body, "FunctionName"), batchSize: try LambdaWire.int(body, "BatchSize"),
            maximumBatchingWindowSeconds: try LambdaWire.int(body, "MaximumBatchingWindowInSeconds"),
            enabled: try LambdaWire.bool(body, "Enabled"))
        if let types = body["FunctionResponseTypes"], !(types is NSNull) {
            guard let list = types as? [String] else { throw .invalid("FunctionResponseTypes must be a list of strings") }
            settings.functionResponseTypes = list
        }
        if let scaling = body["ScalingConfig"], !(scaling is NSNull) {
            guard let object = scaling as? [String: Any] else { throw .invalid("ScalingConfig must be an object") }
            settings.maximumConcurrency = .some(try LambdaWire.int(object, "MaximumConcurrency"))
        }
        if let tags = body["Tags"], !(tags is NSNull) {
            guard let object = tags as? [String: String] else { throw .invalid("Tags must be an object of strings") }
            settings.tags = object
        }
        return settings
    }

    /// A mapping as Lambda answers it; `state` overrides the steady one for the answer to a change.
    static func wire(_ mapping: EventSourceMapping, state: String? = nil) -> [String: Any] {
        var object: [String: Any] = [
            "UUID": mapping.uuid,
            "EventSourceMappingArn": mapping.arn,
            "EventSourceArn": mapping.eventSourceArn,
            "FunctionArn": FunctionName.arn(mapping.functionName, qualifier: mapping.qualifier),
            "BatchSize": mapping.batchSize,
            "MaximumBatchingWindowInSeconds": mapping.maximumBatchingWindowSeconds,
            "State": state ?? (mapping.enabled ? "Enabled" : "Disabled"),
            "StateTransitionReason": "USER_INITIATED",
            "LastModified": mapping.lastModified.timeIntervalSince1970,
            "FunctionResponseTypes": mapping.reportBatchItemFailures ? ["ReportBatchItemFailures"] : [String](),
        ]
        if let concurrency = mapping.maximumConcurrency { object["ScalingConfig"] = ["MaximumConcurrency": concurrency] }
        return object
    }
}
