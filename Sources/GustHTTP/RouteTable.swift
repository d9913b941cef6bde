import Foundation
import GustCore
import _CryptoExtras

/// Which route a request reaches. Pure: built from the stored routes, rebuilt when they change.
///
/// Most specific wins, as in API Gateway: segment by segment, a literal beats a `{parameter}`,
/// which beats a greedy `{proxy+}`; then a named method beats `ANY`.
public struct RouteTable: Sendable {
    struct Entry: Sendable {
        let route: HTTPRoute
        let pattern: RoutePattern
        /// An RS256 route's key, parsed once here rather than on every request.
        let publicKey: _RSA.Signing.PublicKey?
    }

    public struct Match: Sendable, Equatable {
        public let route: HTTPRoute
        public let pathParameters: [String: String]
        public let publicKey: _RSA.Signing.PublicKey?

        public init(route: HTTPRoute, pathParameters: [String: String], publicKey: _RSA.Signing.PublicKey? = nil) {
            self.route = route
            self.pathParameters = pathParameters
            self.publicKey = publicKey
        }

        public static func == (lhs: Match, rhs: Match) -> Bool {
            lhs.route == rhs.route && lhs.pathParameters == rhs.pathParameters
        }
    }

    let entries: [Entry]

    public var routes: [HTTPRoute] { entries.map(\.route) }

    /// Builds the table; two routes with the same method and path shape are a conflict.
    public init(_ routes: [HTTPRoute]) throws(GustError) {
        var seen: [String: HTTPRoute] = [:]
        var entries: [Entry] = []
        for route in routes {
            try route.validate()
            var publicKey: _RSA.Signing.PublicKey?
            if let pem = route.auth?.publicKey {
                guard let key = try? _RSA.Signing.PublicKey(pemRepresentation: pem) else {
                    throw GustError.invalid("Route \(route.routeKey): PublicKey is not an RSA public key in PEM form")
                }
                publicKey = key
            }
            let pattern = try RoutePattern(route.path)
            let key = "\(route.method) \(pattern.shape)"
            if let other = seen[key] {
                throw GustError(
                    .resourceConflict,
                    "Route \(route.routeKey) of function \(route.functionName) conflicts with route \(other.routeKey) of function \(other.functionName)")
            }
            seen[key] = route
            entries.append(Entry(route: route, pattern: pattern, publicKey: publicKey))
        }
        self.entries = entries
    }

    public func match(method: String, path: String) -> Match? {
        var segments = path.utf8.first == UInt8(ascii: "/") ? path.dropFirst().split(separator: "/", omittingEmptySubsequences: false) : []
        if segments.last?.isEmpty == true { segments.removeLast() }
        var best: (entry: Entry, rank: [Int], parameters: [String: String])?
        for entry in entries where entry.route.method == method || entry.route.method == "ANY" {
            guard let (rank, parameters) = Self.match(entry.pattern, segments) else { continue }
            let ranked = rank + [entry.route.method == "ANY" ? 1 : 0]
            if let current = best, !ranked.lexicographicallyPrecedes(current.rank) { continue }
            best = (entry, ranked, parameters)
        }
        return best.map { Match(route: $0.entry.route, pathParameters: $0.parameters, publicKey: $0.entry.publicKey) }
    }

    /// The rank of each segment (0 literal, 1 parameter, 2 greedy) and the captured parameters.
    static func match(_ pattern: RoutePattern, _ segments: [Substring]) -> ([Int], [String: String])? {
        var rank: [Int] = []
        var parameters: [String: String] = [:]
        for (index, segment) in pattern.segments.enumerated() {
            switch segment {
            case .literal(let text):
                guard index < segments.count, segments[index] == text else { return nil }
                rank.append(0)
            case .parameter(let name):
                guard index < segments.count, !segments[index].isEmpty else { return nil }
                parameters[name] = percentDecoded(segments[index])
                rank.append(1)
            case .greedy(let name):
                guard index < segments.count else { return nil }
                parameters[name] = percentDecoded(segments[index...].joined(separator: "/"))
                rank.append(2)
                return (rank, parameters)
            }
        }
        return pattern.segments.count == segments.count ? (rank, parameters) : nil
    }

    public static func percentDecoded<S: StringProtocol>(_ text: S) -> String {
        guard text.utf8.contains(UInt8(ascii: "%")) else { return String(text) }
        return String(text).removingPercentEncoding ?? String(text)
    }
}
