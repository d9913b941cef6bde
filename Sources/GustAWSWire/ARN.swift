/// An Amazon Resource Name: `arn:partition:service:region:account:resource`.
public struct ARN: Sendable, Hashable, CustomStringConvertible {
    public var partition: String
    public var service: String
    public var region: String
    public var account: String
    public var resource: String

    public init(partition: String = "aws", service: String, region: String, account: String, resource: String) {
        self.partition = partition
        self.service = service
        self.region = region
        self.account = account
        self.resource = resource
    }

    /// Parses `text`; nil unless it has all six parts (the resource may itself hold colons).
    public init?(_ text: String) {
        let parts = text.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", !parts[1].isEmpty, !parts[2].isEmpty, !parts[5].isEmpty else {
            return nil
        }
        self.init(
            partition: String(parts[1]), service: String(parts[2]), region: String(parts[3]),
            account: String(parts[4]), resource: String(parts[5]))
    }

    public var description: String { "arn:\(partition):\(service):\(region):\(account):\(resource)" }
}
