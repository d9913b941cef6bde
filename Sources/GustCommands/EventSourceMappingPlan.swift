import GustCore

/// What `gust deploy` does to event source mappings, decided from the manifest and the server's
/// current mappings without touching the server. A deploy owns the mappings it created (tagged
/// `gust:deploy: APP`); it creates the missing, updates the changed and deletes its own that the
/// manifest no longer declares. A mapping without the tag (made with awscli) is never changed.
struct EventSourceMappingPlan: Equatable {
    static let ownerTag = "gust:deploy"

    /// The settings a mapping is compared by, with AWS's defaults for what the manifest omits, so
    /// removing a key from the file sets it back.
    struct Settings: Equatable {
        var batchSize: Int
        var batchWindow: Int
        var reportBatchItemFailures: Bool
        var maxConcurrency: Int?
        var enabled: Bool

        init(batchSize: Int = 10, batchWindow: Int = 0, reportBatchItemFailures: Bool = false, maxConcurrency: Int? = nil, enabled: Bool = true) {
            self.batchSize = batchSize
            self.batchWindow = batchWindow
            self.reportBatchItemFailures = reportBatchItemFailures
            self.maxConcurrency = maxConcurrency
            self.enabled = enabled
        }

        init(_ event: Manifest.SQS) {
            self.init(
                batchSize: event.batchSize ?? 10, batchWindow: event.batchWindow ?? 0,
                reportBatchItemFailures: event.reportBatchItemFailures ?? false, maxConcurrency: event.maxConcurrency,
                enabled: event.enabled ?? true)
        }

        /// A mapping as the Lambda API describes it. AWS reports `State`, not `Enabled`; a mapping
        /// on its way to enabled counts as enabled.
        init(wire: [String: Any]) {
            batchSize = wire["BatchSize"] as? Int ?? 10
            batchWindow = wire["MaximumBatchingWindowInSeconds"] as? Int ?? 0
            reportBatchItemFailures = (wire["FunctionResponseTypes"] as? [String] ?? []).contains("ReportBatchItemFailures")
            maxConcurrency = (wire["ScalingConfig"] as? [String: Any])?["MaximumConcurrency"] as? Int
            let state = wire["State"] as? String ?? "Enabled"
            enabled = !["Disabled", "Disabling"].contains(state)
        }

        /// The CreateEventSourceMapping / UpdateEventSourceMapping fields. Every one is sent, so an
        /// update also clears what the manifest dropped (an empty list, an empty ScalingConfig).
        var wire: [String: Any] {
            [
                "BatchSize": batchSize, "MaximumBatchingWindowInSeconds": batchWindow, "Enabled": enabled,
                "FunctionResponseTypes": reportBatchItemFailures ? ["ReportBatchItemFailures"] : [String](),
                "ScalingConfig": maxConcurrency.map { ["MaximumConcurrency": $0] } ?? [String: Any](),
            ]
        }
    }

    /// A mapping the manifest declares: a function's `sqs` event, the queue resolved to its ARN.
    struct Desired: Equatable {
        var function: String
        var sourceArn: String
        var settings: Settings
    }

    /// A mapping on the server, with its owner tag (nil when it has none).
    struct Existing: Equatable {
        var uuid: String
        var arn: String
        /// The function's name, with `:qualifier` when the mapping targets a version or alias.
        var function: String
        var sourceArn: String
        var settings: Settings
        var owner: String?

        /// A ListEventSourceMappings item; nil if it lacks what identifies a mapping.
        init?(wire: [String: Any], owner: String?) {
            guard let uuid = wire["UUID"] as? String, let functionArn = wire["FunctionArn"] as? String,
                let sourceArn = wire["EventSourceArn"] as? String
            else { return nil }
            let parsed = try? FunctionName.parse(functionArn)
            self.init(
                uuid: uuid, arn: wire["EventSourceMappingArn"] as? String ?? "",
                function: parsed.map { parsed in parsed.qualifier.map { "\(parsed.name):\($0)" } ?? parsed.name } ?? functionArn,
                sourceArn: sourceArn, settings: Settings(wire: wire), owner: owner)
        }

        init(uuid: String, arn: String = "", function: String, sourceArn: String, settings: Settings, owner: String?) {
            self.uuid = uuid
            self.arn = arn
            self.function = function
            self.sourceArn = sourceArn
            self.settings = settings
            self.owner = owner
        }
    }

    enum Action: Equatable {
        case create(Desired)
        case update(uuid: String, Desired)
        case unchanged(uuid: String, Desired)
        /// A mapping for the same function and queue exists but this app did not make it: left as
        /// it is, and said so (AWS allows only one per pair).
        case foreign(uuid: String, Desired)
        case delete(Existing)
    }

    var actions: [Action]

    init(app: String, desired: [Desired], existing: [Existing]) {
        var actions: [Action] = []
        var claimed = Set<String>()
        for mapping in desired {
            let same = existing.filter { $0.function == mapping.function && $0.sourceArn == mapping.sourceArn }
            if let ours = same.first(where: { $0.owner == app && !claimed.contains($0.uuid) }) {
                claimed.insert(ours.uuid)
                actions.append(ours.settings == mapping.settings ? .unchanged(uuid: ours.uuid, mapping) : .update(uuid: ours.uuid, mapping))
            } else if let other = same.first(where: { $0.owner != app }) {
                actions.append(.foreign(uuid: other.uuid, mapping))
            } else {
                actions.append(.create(mapping))
            }
        }
        for mapping in existing where mapping.owner == app && !claimed.contains(mapping.uuid) {
            actions.append(.delete(mapping))
        }
        self.actions = actions
    }
}
