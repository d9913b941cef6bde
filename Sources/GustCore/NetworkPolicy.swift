/// What a function instance may reach over the network (`docs/sandbox.md`).
public enum NetworkPolicy: String, Sendable, Codable, CaseIterable {
    /// Loopback inside its own namespace only: the Runtime API, nothing else.
    case none
    /// The Runtime API and Gust's own endpoint (`AWS_ENDPOINT_URL`), nothing beyond.
    case gustOnly = "gust-only"
    /// Gust's endpoint and the internet, but not the host's loopback or private addresses.
    case egress
    /// The host's network as it is: an explicit opt-in.
    case host

    public static let `default` = NetworkPolicy.egress

    public static func parse(_ text: String) throws(GustError) -> NetworkPolicy {
        guard let policy = NetworkPolicy(rawValue: text) else {
            throw .invalid("Value '\(text)' at 'network' failed to satisfy constraint: Member must be one of none, gust-only, egress, host")
        }
        return policy
    }
}
