import GustClient

/// What `gust deploy` puts as a bucket's notification configuration, decided from the manifest and
/// the configuration the bucket has, without touching the server. S3 keeps one configuration
/// document per bucket and PutBucketNotificationConfiguration replaces it whole, so a deploy reads
/// it, keeps every entry it did not make (made with awscli, or by another app), replaces its own
/// with the manifest's, and writes it back. Its own are those whose Id is
/// `gust-deploy:APP:FUNCTION:N` with its app's name, as its event source mappings are those tagged
/// `gust:deploy: APP`: two apps notified by one bucket never remove each other's entries.
struct BucketNotificationPlan: Equatable {
    static let idPrefix = "gust-deploy:"

    /// The Id of the `index`th (from 1) `s3` event of `function` in `app`.
    static func id(app: String, function: String, index: Int) -> String {
        "\(idPrefix)\(app):\(function):\(index)"
    }

    /// The app that made an entry, read from its Id; nil for one a deploy did not make. An app's
    /// name may hold colons (it may be a directory's), a function's cannot: the last two fields are
    /// the function and the number, and the app is what comes before them.
    static func owner(ofId id: String) -> String? {
        guard id.hasPrefix(idPrefix) else { return nil }
        let fields = id.dropFirst(idPrefix.count).split(separator: ":", omittingEmptySubsequences: false)
        guard fields.count >= 3, Int(fields[fields.count - 1]) != nil, !fields[fields.count - 2].isEmpty else { return nil }
        return fields.dropLast(2).joined(separator: ":")
    }

    /// A function's entry: the bucket invokes `function` (an ARN) asynchronously on `events` for
    /// keys that match the filter. On the wire it is a `CloudFunctionConfiguration` (boto3's
    /// `LambdaFunctionConfigurations`: S3's XML kept the element's old name).
    struct Rule: Equatable {
        var id: String
        var function: String
        var events: [String]
        var prefix: String?
        var suffix: String?

        /// The entry as S3's XML writes it (`Id`, `CloudFunction`, the `Event`s, the key filter).
        var xml: XMLTree {
            var children = [XMLTree("Id", id), XMLTree("CloudFunction", function)] + events.map { XMLTree("Event", $0) }
            let filters = [("prefix", prefix), ("suffix", suffix)].compactMap { name, value in
                value.map { XMLTree("FilterRule", children: [XMLTree("Name", name), XMLTree("Value", $0)]) }
            }
            if !filters.isEmpty { children.append(XMLTree("Filter", children: [XMLTree("S3Key", children: filters)])) }
            return XMLTree("CloudFunctionConfiguration", children: children)
        }

        /// An entry read back; nil if it is not a function's. `LambdaFunctionConfiguration`, the
        /// name in S3's JSON documents and SDK types, is read too. S3 answers filter rule names as
        /// `Prefix`/`Suffix`, whatever case they were put in.
        init?(xml: XMLTree) {
            guard xml.name == "CloudFunctionConfiguration" || xml.name == "LambdaFunctionConfiguration",
                let function = xml.text("CloudFunction") ?? xml.text("Function")
            else { return nil }
            self.id = xml.text("Id") ?? ""
            self.function = function
            self.events = xml.children(named: "Event").map(\.text)
            for rule in xml.child("Filter")?.child("S3Key")?.children(named: "FilterRule") ?? [] {
                switch rule.text("Name")?.lowercased() {
                case "prefix": prefix = rule.text("Value")
                case "suffix": suffix = rule.text("Value")
                default: break
                }
            }
        }

        init(id: String, function: String, events: [String], prefix: String? = nil, suffix: String? = nil) {
            self.id = id
            self.function = function
            self.events = events
            self.prefix = prefix
            self.suffix = suffix
        }

        /// The same entry, whatever order the server keeps its events in.
        func same(as other: Rule) -> Bool {
            id == other.id && function == other.function && Set(events) == Set(other.events) && prefix == other.prefix
                && suffix == other.suffix
        }

        /// The function's name, from its ARN.
        var functionName: String { function.split(separator: ":").last.map(String.init) ?? function }

        /// `thumbnail (s3:ObjectCreated:*, prefix uploads/)`
        var summary: String {
            let filters = [prefix.map { "prefix \($0)" }, suffix.map { "suffix \($0)" }].compactMap { $0 }
            return "\(functionName) (\((events + filters).joined(separator: ", ")))"
        }
    }

    /// The whole configuration to put: the kept entries and this app's, each kind in the order
    /// S3's schema lists them (topics, queues, functions, EventBridge).
    var configuration: XMLTree
    /// How many entries a deploy of another app, or no deploy, made: kept as they were.
    var kept: Int
    /// This app's entries the manifest no longer declares.
    var removed: [String]
    /// This app's entries on the bucket already are the manifest's: there is nothing to put.
    var unchanged: Bool

    init(current: XMLTree, app: String, desired: [Rule]) {
        var others: [XMLTree] = []
        var ours: [Rule] = []
        var unreadable = false
        for entry in current.children {
            guard let id = entry.text("Id"), Self.owner(ofId: id) == app else {
                others.append(entry)
                continue
            }
            // Ours, but not a function's entry (edited by hand into a queue's): replaced all the same.
            if let rule = Rule(xml: entry) { ours.append(rule) } else { unreadable = true }
        }
        let entries = others + desired.map(\.xml)
        let rank = ["TopicConfiguration": 0, "QueueConfiguration": 1, "CloudFunctionConfiguration": 2, "LambdaFunctionConfiguration": 2]
        let ordered = entries.enumerated().sorted { a, b in
            let (left, right) = (rank[a.element.name] ?? 3, rank[b.element.name] ?? 3)
            return left != right ? left < right : a.offset < b.offset
        }.map(\.element)
        configuration = XMLTree("NotificationConfiguration", children: ordered)
        kept = others.count
        let wanted = Set(desired.map(\.id))
        removed = ours.map(\.id).filter { !wanted.contains($0) }
        let byId = { (rules: [Rule]) in rules.sorted { $0.id < $1.id } }
        unchanged =
            !unreadable && ours.count == desired.count
            && zip(byId(ours), byId(desired)).allSatisfy { $0.same(as: $1) }
    }
}
