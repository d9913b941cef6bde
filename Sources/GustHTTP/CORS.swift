import GustCore

/// CORS as API Gateway applies it for a route that configures it: preflights are answered by
/// the gateway, and responses to allowed origins carry the allow headers.
public enum CORS {
    /// Whether a request is a CORS preflight: OPTIONS with an Origin and a requested method.
    public static func isPreflight(method: String, headers: (String) -> String?) -> Bool {
        method == "OPTIONS" && headers("origin") != nil && headers("access-control-request-method") != nil
    }

    public static func allowedOrigin(_ origin: String, _ cors: RouteCORS) -> String? {
        if cors.allowOrigins.contains(origin) { return origin }
        // With credentials a wildcard may not be echoed as `*`.
        if cors.allowOrigins.contains("*") { return cors.allowCredentials ? origin : "*" }
        return nil
    }

    public static func preflight(origin: String, cors: RouteCORS?) -> HTTPTriggerResponse {
        guard let cors, let allowed = allowedOrigin(origin, cors) else {
            return HTTPTriggerResponse(status: 204, headers: [], body: [])
        }
        var headers = [
            ("access-control-allow-origin", allowed),
            ("access-control-allow-methods", cors.allowMethods.joined(separator: ",")),
            ("access-control-allow-headers", cors.allowHeaders.joined(separator: ",")),
            ("vary", "Origin"),
        ]
        if let maxAge = cors.maxAge { headers.append(("access-control-max-age", String(maxAge))) }
        if cors.allowCredentials { headers.append(("access-control-allow-credentials", "true")) }
        return HTTPTriggerResponse(status: 204, headers: headers, body: [])
    }

    /// Adds the response headers for an allowed origin.
    public static func decorate(_ response: inout HTTPTriggerResponse, origin: String?, cors: RouteCORS?) {
        guard let cors, let origin, let allowed = allowedOrigin(origin, cors) else { return }
        response.headers.append(.init(name: "access-control-allow-origin", value: allowed))
        response.headers.append(.init(name: "vary", value: "Origin"))
        if !cors.exposeHeaders.isEmpty {
            response.headers.append(.init(name: "access-control-expose-headers", value: cors.exposeHeaders.joined(separator: ",")))
        }
        if cors.allowCredentials { response.headers.append(.init(name: "access-control-allow-credentials", value: "true")) }
    }
}

/// A token bucket (pure): `take` spends one token or says how long until one is back.
public struct TokenBucket: Sendable {
    public let rate: Double
    public let burst: Double
    private var tokens: Double
    private var last: Double

    public init(rate: Double, burst: Int, now: Double) {
        self.rate = rate
        self.burst = Double(burst)
        tokens = Double(burst)
        last = now
    }

    /// nil when the request may pass; else the seconds until a token is available.
    public mutating func take(now: Double) -> Double? {
        tokens = min(burst, tokens + max(0, now - last) * rate)
        last = now
        if tokens >= 1 {
            tokens -= 1
            return nil
        }
        return (1 - tokens) / rate
    }
}
