import Foundation
import GustClient
import GustCore

/// The parts of `gust deploy` beyond functions: queues, async settings, event source mappings.
extension Deploy {
    /// Creates the manifest's queues (dead-letter queues first) or sets the attributes of those that
    /// exist. Queues gone from the file are kept: they hold messages.
    func deployQueues(_ manifest: Manifest, client: GustClient, say: (String) -> Void) async throws -> [[String: Any]] {
        var results: [[String: Any]] = []
        for queue in try manifest.queuesInOrder() {
            var attributes = queue.wireAttributes
            let url: String
            if let existing = try await client.queueURL(queue.name) {
                // Fixed at creation; SetQueueAttributes refuses it.
                attributes["FifoQueue"] = nil
                if !attributes.isEmpty { try await client.setQueueAttributes(existing, attributes) }
                url = existing
                say("queue \(queue.name): exists\(attributes.isEmpty ? "" : ", attributes set (\(attributes.keys.sorted().joined(separator: ", ")))")")
            } else {
                if queue.name.hasSuffix(".fifo"), attributes["FifoQueue"] == nil { attributes["FifoQueue"] = "true" }
                url = try await client.createQueue(queue.name, attributes: attributes)
                say("queue \(queue.name): created")
            }
            results.append(["QueueName": queue.name, "QueueUrl": url, "Attributes": attributes])
        }
        return results
    }

    /// Puts each function's `async:` settings, and deletes those of a function whose `async:` is
    /// gone: the manifest owns them, as it owns the routes.
    func deployAsyncConfigs(_ manifest: Manifest, client: GustClient, say: (String) -> Void) async throws {
        let byName = manifest.functions.flatMap { [$0.async?.onSuccess, $0.async?.onFailure] }.contains {
            if case .name? = $0 { true } else { false }
        }
        // Bare destination names are looked up among what exists, only when some are written.
        var queues = Set(manifest.queues.map(\.name))
        var functions = Set(manifest.functions.map(\.name))
        if byName {
            queues.formUnion(try await client.queueNames())
            functions.formUnion(try await client.listFunctions().compactMap { $0["FunctionName"] as? String })
        }
        for function in manifest.functions {
            guard let settings = function.async else {
                if try await client.eventInvokeConfig(function.name) != nil {
                    try await client.deleteEventInvokeConfig(function.name)
                    say("\(function.name): async settings removed")
                }
                continue
            }
            var config: [String: Any] = [:]
            if let retries = settings.retries { config["MaximumRetryAttempts"] = retries }
            if let age = settings.maxEventAge { config["MaximumEventAgeInSeconds"] = age }
            var destinations: [String: Any] = [:]
            if let onSuccess = settings.onSuccess {
                destinations["OnSuccess"] = ["Destination": try Manifest.destinationArn(onSuccess, queues: queues, functions: functions)]
            }
            if let onFailure = settings.onFailure {
                destinations["OnFailure"] = ["Destination": try Manifest.destinationArn(onFailure, queues: queues, functions: functions)]
            }
            if !destinations.isEmpty { config["DestinationConfig"] = destinations }
            // Put replaces the whole config: what the file omits goes back to Lambda's default.
            _ = try await client.putEventInvokeConfig(function.name, config)
            let parts = [
                settings.retries.map { "retries \($0)" }, settings.maxEventAge.map { "max age \($0) s" },
                (destinations["OnSuccess"] as? [String: Any])?["Destination"].map { "on success → \($0)" },
                (destinations["OnFailure"] as? [String: Any])?["Destination"].map { "on failure → \($0)" },
            ].compactMap { $0 }
            say("\(function.name): async \(parts.isEmpty ? "defaults" : parts.joined(separator: ", "))")
        }
    }

    /// Creates, updates and deletes this app's event source mappings (`EventSourceMappingPlan`).
    func deployMappings(_ manifest: Manifest, app: String, client: GustClient, say: (String) -> Void) async throws -> [[String: Any]] {
        let desired = manifest.functions.flatMap { function in
            (function.events ?? []).compactMap(\.sqs).map {
                EventSourceMappingPlan.Desired(
                    function: function.name, sourceArn: Manifest.queueArn($0.queue), settings: .init($0))
            }
        }
        let listed: [[String: Any]]
        do {
            listed = try await client.eventSourceMappings()
        } catch let error as GustClientError where error.status == 404 && desired.isEmpty {
            // A server without event source mappings: none of them can be this app's.
            return []
        }
        var existing: [EventSourceMappingPlan.Existing] = []
        for wire in listed {
            guard let uuid = wire["UUID"] as? String else { continue }
            let arn = wire["EventSourceMappingArn"] as? String
                ?? "arn:aws:lambda:\(FunctionName.region):\(FunctionName.account):event-source-mapping:\(uuid)"
            let owner = try await ownerTag(arn, client: client)
            if let mapping = EventSourceMappingPlan.Existing(wire: wire, owner: owner) { existing.append(mapping) }
        }
        var results: [[String: Any]] = []
        for action in EventSourceMappingPlan(app: app, desired: desired, existing: existing).actions {
            switch action {
            case .create(let mapping):
                var input = mapping.settings.wire
                // Nothing to clear on a new mapping: leave out the empty fields an update sends.
                if !mapping.settings.reportBatchItemFailures { input["FunctionResponseTypes"] = nil }
                if mapping.settings.maxConcurrency == nil { input["ScalingConfig"] = nil }
                input["FunctionName"] = mapping.function
                input["EventSourceArn"] = mapping.sourceArn
                input["Tags"] = [EventSourceMappingPlan.ownerTag: app]
                let created = try await client.createEventSourceMapping(input)
                say("\(mapping.function): sqs \(Self.queueName(mapping.sourceArn)) → mapping \(created["UUID"] as? String ?? "?") created (\(Self.describe(mapping.settings)))")
                results.append(created)
            case .update(let uuid, let mapping):
                let updated = try await client.updateEventSourceMapping(uuid, mapping.settings.wire)
                say("\(mapping.function): sqs \(Self.queueName(mapping.sourceArn)) → mapping \(uuid) updated (\(Self.describe(mapping.settings)))")
                results.append(updated)
            case .unchanged(let uuid, let mapping):
                say("\(mapping.function): sqs \(Self.queueName(mapping.sourceArn)) → mapping \(uuid) unchanged")
                results.append(listed.first { $0["UUID"] as? String == uuid } ?? ["UUID": uuid])
            case .foreign(let uuid, let mapping):
                say(
                    "\(mapping.function): sqs \(Self.queueName(mapping.sourceArn)) → mapping \(uuid) was not made by this app (no gust:deploy tag \(app)): left as it is, its settings unchanged"
                )
            case .delete(let mapping):
                try await client.deleteEventSourceMapping(mapping.uuid)
                say("\(mapping.function): sqs \(Self.queueName(mapping.sourceArn)) → mapping \(mapping.uuid) deleted (gone from the manifest)")
            }
        }
        return results
    }

    /// The mapping's `gust:deploy` tag. A server that keeps no tags for it (404) leaves it unowned,
    /// so it is never deleted.
    private func ownerTag(_ arn: String, client: GustClient) async throws -> String? {
        do {
            return try await client.tags(arn)[EventSourceMappingPlan.ownerTag]
        } catch let error as GustClientError where error.status == 404 {
            return nil
        }
    }

    static func queueName(_ arn: String) -> String {
        arn.split(separator: ":").last.map(String.init) ?? arn
    }

    static func describe(_ settings: EventSourceMappingPlan.Settings) -> String {
        var parts = ["batch \(settings.batchSize)", "window \(settings.batchWindow) s"]
        if settings.reportBatchItemFailures { parts.append("partial batch failures") }
        if let concurrency = settings.maxConcurrency { parts.append("max concurrency \(concurrency)") }
        if !settings.enabled { parts.append("disabled") }
        return parts.joined(separator: ", ")
    }
}
