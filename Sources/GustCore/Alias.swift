/// A named pointer at one version, optionally splitting traffic with a second one.
public struct Alias: Sendable, Codable, Equatable {
    public var functionName: String
    public var name: String
    public var functionVersion: String
    public var description: String
    /// Additional version → weight in 0...1; the primary version gets the remainder.
    public var additionalVersionWeights: [String: Double]
    public var revisionID: String

    public init(
        functionName: String, name: String, functionVersion: String, description: String = "",
        additionalVersionWeights: [String: Double] = [:], revisionID: String
    ) {
        self.functionName = functionName
        self.name = name
        self.functionVersion = functionVersion
        self.description = description
        self.additionalVersionWeights = additionalVersionWeights
        self.revisionID = revisionID
    }

    /// Picks the version for one invocation; `roll` is uniform in 0..<1 so tests can pin it.
    public func pickVersion(roll: Double) -> String {
        var threshold = 0.0
        for (version, weight) in additionalVersionWeights.sorted(by: { $0.key < $1.key }) {
            threshold += weight
            if roll < threshold { return version }
        }
        return functionVersion
    }

    public func validateWeights() throws(GustError) {
        guard additionalVersionWeights.count <= 1 else {
            throw .invalid("RoutingConfig supports at most one additional version")
        }
        for (version, weight) in additionalVersionWeights {
            guard (0...1).contains(weight) else {
                throw .invalid("Invalid weight \(weight) for version \(version): must be between 0.0 and 1.0")
            }
            guard version != functionVersion else {
                throw .invalid("Additional version \(version) must differ from the alias's primary version")
            }
        }
    }
}
