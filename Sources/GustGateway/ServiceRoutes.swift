import GustAWSWire

/// The gateway's route table: which service answers a request on the shared AWS port. Signed
/// requests go by the service name of their credential scope; an unsigned one goes to the one
/// service whose wire form it has. Lambda and Gust's own API are the router's, so they are not
/// listed here: a request no listed service takes goes on to the router.
public struct ServiceRoutes: Sendable {
    private let bySigningName: [String: any AWSService]
    private let services: [any AWSService]

    public init(_ services: [any AWSService]) {
        self.services = services
        var table: [String: any AWSService] = [:]
        for service in services { table[service.signingName] = service }
        bySigningName = table
    }

    /// The service for a request that names `signingName` in its scope (nil: the router's).
    public func service(signingName: String) -> (any AWSService)? { bySigningName[signingName] }

    /// The service whose wire form an unsigned request has; nil unless exactly one matches.
    public func service(
        unsignedMethod method: String, path: String, query: String?, header: (String) -> String?
    ) -> (any AWSService)? {
        let matching = services.filter { $0.matchesUnsigned(method: method, path: path, query: query, header: header) }
        return matching.count == 1 ? matching[0] : nil
    }

    public var isEmpty: Bool { services.isEmpty }
}
