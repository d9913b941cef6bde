import Foundation

#if canImport(FoundationXML)
import FoundationXML
#endif

/// A bucket's notification configuration (Get/PutBucketNotificationConfiguration): which object
/// events go to which function or queue, filtered by key prefix and suffix.
public struct NotificationConfiguration: Sendable, Equatable, Codable {
    public struct Rule: Sendable, Equatable, Codable {
        public enum Target: String, Sendable, Codable {
            case function
            case queue
        }

        public var id: String
        public var target: Target
        /// The function's or the queue's ARN.
        public var arn: String
        /// As configured: `s3:ObjectCreated:*`, `s3:ObjectRemoved:Delete`, …
        public var events: [String]
        public var prefix: String?
        public var suffix: String?

        public init(id: String, target: Target, arn: String, events: [String], prefix: String? = nil, suffix: String? = nil) {
            self.id = id
            self.target = target
            self.arn = arn
            self.events = events
            self.prefix = prefix
            self.suffix = suffix
        }

        /// `event` is the record's `eventName` (`ObjectCreated:Put`).
        public func matches(event: String, key: String) -> Bool {
            let named = events.contains { configured in
                let name = configured.hasPrefix("s3:") ? String(configured.dropFirst(3)) : configured
                if name.hasSuffix(":*") { return event.hasPrefix(name.dropLast()) }
                return name == event
            }
            return named && key.hasPrefix(prefix ?? "") && key.hasSuffix(suffix ?? "")
        }
    }

    public var rules: [Rule]

    public init(rules: [Rule] = []) { self.rules = rules }

    /// The event types S3 delivers that Gust produces or accepts.
    static let eventTypes: Set<String> = [
        "s3:ObjectCreated:*", "s3:ObjectCreated:Put", "s3:ObjectCreated:Post", "s3:ObjectCreated:Copy",
        "s3:ObjectCreated:CompleteMultipartUpload", "s3:ObjectRemoved:*", "s3:ObjectRemoved:Delete",
        "s3:ObjectRemoved:DeleteMarkerCreated",
    ]

    static func malformed(_ detail: String = "") -> S3Error {
        S3Error(.malformedXML, "The XML you provided was not well-formed or did not validate against our published schema" + detail)
    }

    /// Reads the request document. Topics (SNS) and EventBridge are refused: Gust has neither.
    static func parse(_ body: [UInt8]) throws(S3Error) -> NotificationConfiguration {
        guard let root = S3XML.parse(body), root.name == "NotificationConfiguration" else { throw malformed() }
        var rules: [Rule] = []
        var generated = 0
        for element in root.elements {
            let target: Rule.Target
            let arnElement: String
            switch element.name {
            case "CloudFunctionConfiguration", "LambdaFunctionConfiguration":
                (target, arnElement) = (.function, element.child("CloudFunction") != nil ? "CloudFunction" : "Function")
            case "QueueConfiguration":
                (target, arnElement) = (.queue, "Queue")
            case "TopicConfiguration", "EventBridgeConfiguration":
                throw S3Error(.invalidArgument, "Gust delivers bucket notifications to functions and queues only; \(element.name) is not supported.")
            default:
                throw malformed()
            }
            guard let arn = element.text(arnElement)?.trimmingCharacters(in: .whitespacesAndNewlines), !arn.isEmpty else { throw malformed() }
            let events = element.children(named: "Event").map { $0.text.trimmingCharacters(in: .whitespacesAndNewlines) }
            guard !events.isEmpty else { throw malformed() }
            for event in events where !eventTypes.contains(event) {
                throw S3Error(.invalidArgument, "The event '\(event)' is not supported for notifications")
            }
            var prefix: String?
            var suffix: String?
            for rule in element.child("Filter")?.child("S3Key")?.children(named: "FilterRule") ?? [] {
                guard let name = rule.text("Name"), let value = rule.text("Value") else { throw malformed() }
                switch name.lowercased() {
                case "prefix" where prefix == nil: prefix = value
                case "suffix" where suffix == nil: suffix = value
                default:
                    throw S3Error(.invalidArgument, "Cannot specify more than one prefix rule and one suffix rule in a filter, or a rule that is neither.")
                }
            }
            var id = element.text("Id")?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            if id.isEmpty {
                generated += 1
                id = "notification-\(generated)-" + UUID().uuidString.lowercased().prefix(8)
            }
            guard !rules.contains(where: { $0.id == id }) else {
                throw S3Error(.invalidArgument, "Configuration ids must be unique: '\(id)' is used twice.")
            }
            rules.append(Rule(id: id, target: target, arn: arn, events: events, prefix: prefix, suffix: suffix))
        }
        return NotificationConfiguration(rules: rules)
    }

    func xml() -> XMLElement {
        S3XML.element(
            "NotificationConfiguration",
            children: rules.map { rule in
                var children = [S3XML.element("Id", rule.id)]
                switch rule.target {
                case .function: children.append(S3XML.element("CloudFunction", rule.arn))
                case .queue: children.append(S3XML.element("Queue", rule.arn))
                }
                children += rule.events.map { S3XML.element("Event", $0) }
                var filters: [XMLElement] = []
                for (name, value) in [("prefix", rule.prefix), ("suffix", rule.suffix)] {
                    guard let value else { continue }
                    filters.append(S3XML.element("FilterRule", children: [S3XML.element("Name", name), S3XML.element("Value", value)]))
                }
                if !filters.isEmpty {
                    children.append(S3XML.element("Filter", children: [S3XML.element("S3Key", children: filters)]))
                }
                return S3XML.element(rule.target == .function ? "CloudFunctionConfiguration" : "QueueConfiguration", children: children)
            })
    }
}
