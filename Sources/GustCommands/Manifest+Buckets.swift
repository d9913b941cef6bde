import Foundation
import GustCore

/// The manifest's buckets and the functions' `s3` events.
extension Manifest {
    /// `buckets: - photos` or `- name: photos`: created by `gust deploy` if missing.
    struct Bucket: Decodable, Equatable {
        var name: String

        init(name: String) { self.name = name }

        init(from decoder: any Decoder) throws {
            if let name = try? decoder.singleValueContainer().decode(String.self) {
                self.name = name
                return
            }
            try Manifest.refuseUnknownKeys(decoder, known: CodingKeys.allCases.map(\.rawValue))
            name = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .name)
        }

        enum CodingKeys: String, CodingKey, CaseIterable { case name }
    }

    /// `- s3: {bucket: photos, events: [s3:ObjectCreated:*], prefix: uploads/, suffix: .jpg}` or
    /// `- s3: photos`: the bucket notifies the function (a `CloudFunctionConfiguration`).
    struct S3: Decodable, Equatable {
        static let defaultEvents = ["s3:ObjectCreated:*"]

        var bucket: String
        /// S3 event types (`s3:ObjectCreated:*`, `s3:ObjectRemoved:Delete`, …); one may be written
        /// without the list.
        var events: [String]
        var prefix: String?
        var suffix: String?

        init(bucket: String, events: [String] = S3.defaultEvents, prefix: String? = nil, suffix: String? = nil) {
            self.bucket = bucket
            self.events = events
            self.prefix = prefix
            self.suffix = suffix
        }

        init(from decoder: any Decoder) throws {
            if let bucket = try? decoder.singleValueContainer().decode(String.self) {
                self.init(bucket: bucket)
                return
            }
            try Manifest.refuseUnknownKeys(decoder, known: CodingKeys.allCases.map(\.rawValue))
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let events =
                try (try? container.decode(String.self, forKey: .events)).map { [$0] }
                ?? container.decodeIfPresent([String].self, forKey: .events) ?? Self.defaultEvents
            // An empty filter is no filter: S3 would refuse an empty value.
            self.init(
                bucket: try container.decode(String.self, forKey: .bucket), events: events,
                prefix: try container.decodeIfPresent(String.self, forKey: .prefix).flatMap { $0.isEmpty ? nil : $0 },
                suffix: try container.decodeIfPresent(String.self, forKey: .suffix).flatMap { $0.isEmpty ? nil : $0 })
        }

        enum CodingKeys: String, CodingKey, CaseIterable { case bucket, events, prefix, suffix }
    }

    /// The declared buckets' names, in order; a name declared twice is refused.
    func bucketNames() throws -> [String] {
        var seen = Set<String>()
        for bucket in buckets where !seen.insert(bucket.name).inserted {
            throw CLIError("bucket \(bucket.name) is declared twice")
        }
        return buckets.map(\.name)
    }

    /// The notification entries this app wants, by bucket: one per `s3` event, with an Id that
    /// names the app, the function and the event's place among the function's `s3` events.
    func notificationRules(app: String) throws -> [String: [BucketNotificationPlan.Rule]] {
        var rules: [String: [BucketNotificationPlan.Rule]] = [:]
        for function in functions {
            for (index, event) in (function.events ?? []).compactMap(\.s3).enumerated() {
                let place = "function \(function.name): s3 event \(index + 1)"
                guard !event.events.isEmpty else { throw CLIError("\(place): events is empty") }
                for name in event.events where !name.hasPrefix("s3:") {
                    throw CLIError("\(place): '\(name)' is not an S3 event type (s3:ObjectCreated:*, s3:ObjectRemoved:*, …)")
                }
                rules[event.bucket, default: []].append(
                    BucketNotificationPlan.Rule(
                        id: BucketNotificationPlan.id(app: app, function: function.name, index: index + 1),
                        function: FunctionName.arn(function.name), events: event.events, prefix: event.prefix,
                        suffix: event.suffix))
            }
        }
        return rules
    }
}
