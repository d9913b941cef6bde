/// What an instance needs to call Gust's AWS services as its function, with unchanged code:
/// `AWS_ENDPOINT_URL` (botocore ≥ 1.31 and the AWS SDKs send every service there) and the
/// function's own key (`FunctionCredentials`). The scheduler hands it to the runtimes with each
/// instance, so that they need not know where keys are kept.
public struct ServiceEnvironment: Sendable, Hashable {
    public static let endpointVariable = "AWS_ENDPOINT_URL"

    /// Gust's AWS endpoint as the host's own network reaches it; nil before Gust listens.
    public var endpoint: String?
    /// Nil for a function without a key (one created while its key could not be stored; the
    /// next start gives it one).
    public var credentials: FunctionCredentials?

    public init(endpoint: String?, credentials: FunctionCredentials?) {
        self.endpoint = endpoint
        self.credentials = credentials
    }

    public static let none = ServiceEnvironment(endpoint: nil, credentials: nil)

    /// `environment` (the function's own variables) with these added. The key wins over the
    /// function's variables, as Lambda reserves those names; the endpoint does not, so that a
    /// function may point its SDK elsewhere. `endpoint` replaces the host's view of the URL for
    /// an instance that reaches Gust another way (its own network namespace).
    public func applied(to environment: [String: String], endpoint: String? = nil) -> [String: String] {
        var environment = environment
        if let credentials { environment.merge(credentials.environment) { _, gust in gust } }
        if environment[Self.endpointVariable] == nil, let url = endpoint ?? self.endpoint {
            environment[Self.endpointVariable] = url
        }
        return environment
    }

    /// `http://host:port`, with IPv6 literals bracketed; a wildcard address (where Gust listens on
    /// every interface) becomes loopback, which always reaches it.
    public static func endpointURL(host: String, port: Int) -> String {
        let reachable = ["0.0.0.0", "::", "[::]", ""].contains(host) ? "127.0.0.1" : host
        let literal = reachable.contains(":") && !reachable.hasPrefix("[") ? "[\(reachable)]" : reachable
        return "http://\(literal):\(port)"
    }
}
