import Foundation
/// An HTTP trigger: requests on the HTTP listener whose method and path match reach the function
/// as API Gateway HTTP API (payload format 2.0) events.
public struct HTTPRoute: Codable, Sendable, Equatable {
    public static let methods: Set<String> = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"]

    public var functionName: String
    /// A version or alias; nil means `$LATEST`.
    public var qualifier: String?
    /// An HTTP method, or `ANY`.
    public var method: String
    /// `/items/{id}`, `/files/{proxy+}`: literal segments, `{name}` parameters, and a greedy
    /// `{name+}` as the last segment.
    public var path: String
    public var auth: RouteAuth?
    public var cors: RouteCORS?
    public var throttle: RouteThrottle?

    public init(
        functionName: String, qualifier: String? = nil, method: String, path: String, auth: RouteAuth? = nil,
        cors: RouteCORS? = nil, throttle: RouteThrottle? = nil
    ) {
        self.functionName = functionName
        self.qualifier = qualifier
        self.method = method.uppercased()
        self.path = path
        self.auth = auth
        self.cors = cors
        self.throttle = throttle
    }

    /// API Gateway's route key: `GET /items/{id}`.
    public var routeKey: String { "\(method) \(path)" }

    public func validate() throws(GustError) {
        guard Self.methods.contains(method) else {
            throw .invalid("Route \(routeKey): the method must be one of \(Self.methods.sorted().joined(separator: ", "))")
        }
        _ = try RoutePattern(path)
        try auth?.validate(routeKey)
        try cors?.validate(routeKey)
        if let throttle, !(throttle.rate >= 0.001 && throttle.rate <= 1_000_000 && throttle.burst >= 1 && throttle.burst <= 1_000_000) {
            throw .invalid("Route \(routeKey): throttling needs a rate between 0.001 and 1000000 per second and a burst between 1 and 1000000")
        }
    }
}

/// Who may call a route.
public struct RouteAuth: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        case none = "NONE"
        /// An `x-api-key` header holding a key made with `gust api-keys create`.
        case apiKey = "API_KEY"
        /// A bearer JWT: HS256 with `secret`, or RS256 with `publicKey` (PEM).
        case jwt = "JWT"
    }

    public var kind: Kind
    public var issuer: String?
    /// Accepted `aud` values; the token must carry one of them.
    public var audience: [String]?
    public var secret: String?
    public var publicKey: String?

    public init(kind: Kind, issuer: String? = nil, audience: [String]? = nil, secret: String? = nil, publicKey: String? = nil) {
        self.kind = kind
        self.issuer = issuer
        self.audience = audience
        self.secret = secret
        self.publicKey = publicKey
    }

    func validate(_ routeKey: String) throws(GustError) {
        guard kind == .jwt else { return }
        guard (secret == nil) != (publicKey == nil) else {
            throw .invalid("Route \(routeKey): JWT auth needs exactly one of Secret (HS256) or PublicKey (RS256, PEM)")
        }
        if let secret, secret.utf8.count < 16 {
            throw .invalid("Route \(routeKey): an HS256 secret must be at least 16 bytes")
        }
    }
}

/// CORS for a route, with Lambda function URLs' field names.
public struct RouteCORS: Codable, Sendable, Equatable {
    public var allowOrigins: [String]
    public var allowMethods: [String]
    public var allowHeaders: [String]
    public var exposeHeaders: [String]
    public var maxAge: Int?
    public var allowCredentials: Bool

    public init(
        allowOrigins: [String] = ["*"], allowMethods: [String] = ["*"], allowHeaders: [String] = ["*"],
        exposeHeaders: [String] = [], maxAge: Int? = nil, allowCredentials: Bool = false
    ) {
        self.allowOrigins = allowOrigins
        self.allowMethods = allowMethods
        self.allowHeaders = allowHeaders
        self.exposeHeaders = exposeHeaders
        self.maxAge = maxAge
        self.allowCredentials = allowCredentials
    }

    /// Credentials may not be allowed for any origin (browsers refuse it; so does AWS).
    public func validate(_ what: String) throws(GustError) {
        if allowCredentials && allowOrigins.contains("*") {
            throw .invalid("\(what): CORS AllowCredentials cannot be combined with AllowOrigins *")
        }
    }
}

/// A token bucket per route: `rate` requests per second on average, bursts up to `burst`.
public struct RouteThrottle: Codable, Sendable, Equatable {
    public var rate: Double
    public var burst: Int

    public init(rate: Double, burst: Int) {
        self.rate = rate
        self.burst = burst
    }
}

/// A route's path, split into segments (validated).
public struct RoutePattern: Sendable, Equatable, Hashable {
    public enum Segment: Sendable, Equatable, Hashable {
        case literal(String)
        case parameter(String)
        case greedy(String)
    }

    public let segments: [Segment]

    public init(_ path: String) throws(GustError) {
        guard path.hasPrefix("/") else {
            throw .invalid("Route path '\(path)' must start with /")
        }
        var segments: [Segment] = []
        var names = Set<String>()
        let parts = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        for (index, part) in parts.enumerated() {
            if part.isEmpty {
                // "/" alone is the root; an empty segment anywhere else is a typo.
                guard parts.count == 1 else { throw .invalid("Route path '\(path)' has an empty segment") }
                continue
            }
            if part.hasPrefix("{") && part.hasSuffix("}") {
                var name = String(part.dropFirst().dropLast())
                let greedy = name.hasSuffix("+")
                if greedy { name.removeLast() }
                guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
                    throw .invalid("Route path '\(path)': '\(part)' is not a valid parameter")
                }
                guard names.insert(name).inserted else {
                    throw .invalid("Route path '\(path)' names the parameter '\(name)' twice")
                }
                if greedy {
                    guard index == parts.count - 1 else {
                        throw .invalid("Route path '\(path)': a greedy parameter {\(name)+} must be the last segment")
                    }
                    segments.append(.greedy(name))
                } else {
                    segments.append(.parameter(name))
                }
            } else {
                guard !part.contains("{"), !part.contains("}") else {
                    throw .invalid("Route path '\(path)': '\(part)' mixes text and a parameter")
                }
                segments.append(.literal(String(part)))
            }
        }
        self.segments = segments
    }

    /// The shape two routes must not share: parameter names do not matter.
    public var shape: String {
        "/" + segments.map { segment in
            switch segment {
            case .literal(let text): text
            case .parameter: "{}"
            case .greedy: "{+}"
            }
        }.joined(separator: "/")
    }
}

/// A function URL (Lambda's `FunctionUrlConfig`): every path on `/lambda-url/<function>/` of the
/// HTTP listener reaches the function, with route key `$default`.
public struct FunctionURLConfig: Codable, Sendable, Equatable {
    public enum AuthType: String, Codable, Sendable {
        case none = "NONE"
        /// SigV4-signed requests only (service `lambda`), checked with Gust's credentials.
        case awsIAM = "AWS_IAM"
    }

    public var functionName: String
    public var qualifier: String?
    public var authType: AuthType
    public var cors: RouteCORS?
    public var creationTime: Date
    public var lastModifiedTime: Date

    public init(
        functionName: String, qualifier: String?, authType: AuthType, cors: RouteCORS?, creationTime: Date = Date(),
        lastModifiedTime: Date = Date()
    ) {
        self.functionName = functionName
        self.qualifier = qualifier
        self.authType = authType
        self.cors = cors
        self.creationTime = creationTime
        self.lastModifiedTime = lastModifiedTime
    }

    /// The path segment that names this URL: `name`, or `name:qualifier`.
    public var slug: String { Self.slug(function: functionName, qualifier: qualifier) }

    public static func slug(function: String, qualifier: String?) -> String {
        qualifier.map { "\(function):\($0)" } ?? function
    }
}
