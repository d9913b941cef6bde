import Crypto
import Foundation
import GustCore
import GustHTTP
import GustScheduler
import GustSigV4
import GustStore
import Synchronization

/// User traffic on the HTTP listener: a request that matches a route becomes an API Gateway HTTP
/// API (payload 2.0) event for the route's function, and the function's answer becomes the HTTP
/// response, with API Gateway's statuses for what goes wrong. Routes live in the store; this
/// node keeps them as a `RouteTable` and rebuilds it whenever they change.
public final class HTTPTriggers: Sendable {
    /// API Gateway's payload limit.
    public static let maxBodyBytes = 6 * 1024 * 1024

    let store: any RouteStore
    let keys: any APIKeyStore
    let urls: any FunctionURLStore
    let invoker: any Invoker
    let verifier: SigV4Verifier?
    /// Function URLs by slug (`name` or `name:qualifier`).
    private let urlConfigs = Mutex<[String: FunctionURLConfig]>([:])
    /// Where the HTTP listener is reachable, for the `FunctionUrl` the API reports.
    private let base = Mutex("http://127.0.0.1:8080")
    private let table: Mutex<RouteTable>
    /// SHA-256 (hex) of every valid API key.
    private let keyHashes = Mutex<Set<String>>([])
    /// Per route key; rebuilt with the table.
    private let buckets = Mutex<[String: TokenBucket]>([:])
    /// Reloads may overlap (two changes at once): each takes a number before it reads the store,
    /// and an older read never replaces a newer one.
    private let reloads = Mutex<(started: Int, applied: Int)>((0, 0))

    public init(
        store: any RouteStore, keys: any APIKeyStore, urls: any FunctionURLStore, invoker: any Invoker,
        verifier: SigV4Verifier? = nil
    ) {
        self.store = store
        self.keys = keys
        self.urls = urls
        self.invoker = invoker
        self.verifier = verifier
        table = Mutex(RouteTable.empty)
    }

    /// Reads the routes and API keys from the store (at start, and after any change).
    public func reload() async throws(GustError) {
        let generation = reloads.withLock { reloads in
            reloads.started += 1
            return reloads.started
        }
        let table = try RouteTable(try await store.routes())
        let hashes = Set(try await keys.apiKeys().map(\.sha256))
        let configs = Dictionary(try await urls.functionURLs().map { ($0.slug, $0) }, uniquingKeysWith: { $1 })
        // Applied under the reload lock, so that a newer read that finished first is kept.
        reloads.withLock { reloads in
            guard generation > reloads.applied else { return }
            reloads.applied = generation
            self.table.withLock { $0 = table }
            urlConfigs.withLock { $0 = configs }
            keyHashes.withLock { $0 = hashes }
            buckets.withLock { $0 = [:] }
        }
    }

    /// Makes an API key; the key itself is returned this once and only its hash is kept.
    public func createAPIKey(name: String) async throws(GustError) -> (APIKey, String) {
        guard !name.isEmpty, name.count <= 128 else { throw .invalid("An API key needs a name of 1 to 128 characters") }
        var generator = SystemRandomNumberGenerator()
        let secret = "gk_" + (0..<4).map { _ in String(format: "%016llx", generator.next() as UInt64) }.joined()
        let short: UInt64 = generator.next() & 0xffff_ffff
        let id = "key-" + String(format: "%08llx", short)
        let key = APIKey(id: id, name: name, sha256: Self.sha256(secret))
        try await keys.createAPIKey(key)
        try await reload()
        return (key, secret)
    }

    public func revokeAPIKey(id: String) async throws(GustError) {
        try await keys.deleteAPIKey(id: id)
        try await reload()
    }

    // MARK: Function URLs

    public func listening(host: String, port: Int) {
        base.withLock { $0 = "http://\(host):\(port)" }
    }

    public func functionURL(_ config: FunctionURLConfig) -> String {
        base.withLock { $0 } + "/lambda-url/\(config.slug)/"
    }

    public func functionURLConfig(function: String, qualifier: String?) -> FunctionURLConfig? {
        urlConfigs.withLock { $0[FunctionURLConfig.slug(function: function, qualifier: qualifier)] }
    }

    /// A function's URLs: the unqualified one and those of its aliases.
    public func functionURLConfigs(of function: String) -> [FunctionURLConfig] {
        urlConfigs.withLock { $0.values.filter { $0.functionName == function }.sorted { $0.slug < $1.slug } }
    }

    public func putFunctionURL(_ config: FunctionURLConfig, create: Bool) async throws(GustError) {
        try await urls.putFunctionURL(config, create: create)
        try await reload()
    }

    public func deleteFunctionURL(function: String, qualifier: String?) async throws(GustError) {
        try await urls.deleteFunctionURL(function: function, qualifier: qualifier)
        try await reload()
    }

    /// `/lambda-url/<slug>/rest`, or a Host of `<slug>.lambda-url.…`: the config and the path the
    /// function sees.
    private func functionURLTarget(path: String, host: String?) -> (FunctionURLConfig, String)? {
        if path.hasPrefix("/lambda-url/") {
            let rest = path.dropFirst("/lambda-url/".count)
            let slug = rest.prefix { $0 != "/" }
            guard let config = urlConfigs.withLock({ $0[RouteTable.percentDecoded(slug)] }) else { return nil }
            let remainder = rest.dropFirst(slug.count)
            return (config, remainder.isEmpty ? "/" : String(remainder))
        }
        if let host, let end = ASCII.firstOffset(of: ".lambda-url.", in: host), end > 0 {
            let slug = String(decoding: host.utf8.prefix(end), as: UTF8.self)
            guard let config = urlConfigs.withLock({ $0[slug] }) else { return nil }
            return (config, path)
        }
        return nil
    }

    /// A function URL's request: every path reaches the function, with route key `$default`.
    private func runFunctionURL(
        _ config: FunctionURLConfig, path: String, request: HTTPTriggerIncoming,
        reply: @escaping @Sendable (HTTPTriggerResponse) -> Void
    ) {
        let route = HTTPRoute(functionName: config.functionName, qualifier: config.qualifier, method: "ANY", path: "/{proxy+}")
        deliver(
            request, match: .init(route: route, pathParameters: [:]), rawPath: path, routeKey: "$default",
            source: "function-url", requestIDHeader: "x-amzn-requestid", reply: reply
        ) { request, body in
            // AWS_IAM: signed with Gust's keys, over the path as the client sent it.
            guard config.authType == .awsIAM else { return true }
            let signed = SigV4Request(
                method: request.method, rawPath: request.path, rawQuery: request.query.isEmpty ? nil : request.query,
                headers: request.headers, body: body)
            guard let verifier, case .success = verifier.verify(signed) else { return false }
            return true
        }
    }

    static func sha256(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Replaces a function's routes; a conflict with another route leaves everything as it was.
    public func setRoutes(of function: String, _ routes: [HTTPRoute]) async throws(GustError) {
        for route in routes {
            guard route.functionName == function else { throw .invalid("A route of \(function) names function \(route.functionName)") }
            try route.validate()
        }
        try await store.replaceRoutes(of: function, with: routes) { all throws(GustError) in _ = try RouteTable(all) }
        try await reload()
    }

    public func routes(of function: String? = nil) -> [HTTPRoute] {
        let all = table.withLock { $0.routes }
        return function.map { name in all.filter { $0.functionName == name } } ?? all
    }

    /// Answers one request on the HTTP listener. `reply` is called once, from any thread: at
    /// once for what the gateway answers itself, after the function for the rest.
    public func handle(_ request: HTTPTriggerIncoming, reply: @escaping @Sendable (HTTPTriggerResponse) -> Void) {
        let method = request.method
        let path = request.path
        let header = { (name: String) in request.header(name) }
        let origin = header("origin")
        if let (config, functionPath) = functionURLTarget(path: path, host: request.header("host")) {
            if CORS.isPreflight(method: method, headers: header), config.cors != nil {
                return reply(CORS.preflight(origin: origin ?? "", cors: config.cors))
            }
            runFunctionURL(config, path: functionPath, request: request) { result in
                var result = result
                CORS.decorate(&result, origin: origin, cors: config.cors)
                reply(result)
            }
            return
        }
        // CORS preflights are the gateway's to answer, for the route the real request would reach.
        if CORS.isPreflight(method: method, headers: header),
            let requested = header("access-control-request-method"),
            let target = table.withLock({ $0.match(method: requested.uppercased(), path: path) }),
            target.route.cors != nil
        {
            return reply(CORS.preflight(origin: origin ?? "", cors: target.route.cors))
        }
        guard let match = table.withLock({ $0.match(method: method, path: path) }) else {
            return reply(.message(404, "Not Found"))
        }
        let cors = match.route.cors
        run(request, match: match) { result in
            var result = result
            CORS.decorate(&result, origin: origin, cors: cors)
            reply(result)
        }
    }

    private func run(
        _ request: HTTPTriggerIncoming, match: RouteTable.Match, reply: @escaping @Sendable (HTTPTriggerResponse) -> Void
    ) {
        let route = match.route
        let header = { (name: String) in request.header(name) }
        if let throttle = route.throttle {
            let now = Date().timeIntervalSince1970
            let wait = buckets.withLock { buckets -> Double? in
                var bucket = buckets[route.routeKey] ?? TokenBucket(rate: throttle.rate, burst: throttle.burst, now: now)
                defer { buckets[route.routeKey] = bucket }
                return bucket.take(now: now)
            }
            if let wait {
                let seconds = Int(min(86_400, max(1, wait.rounded(.up))))
                return reply(.message(429, "Too Many Requests", headers: [("retry-after", String(seconds))]))
            }
        }
        var authorizer: [String: Any]?
        switch route.auth?.kind ?? .none {
        case .none:
            break
        case .apiKey:
            guard let key = header("x-api-key"), keyHashes.withLock({ $0.contains(Self.sha256(key)) }) else {
                return reply(.message(403, "Forbidden"))
            }
        case .jwt:
            guard let value = header("authorization"), value.lowercased().hasPrefix("bearer "),
                case .success(let claims) = JWTVerifier.verify(String(value.dropFirst(7)), auth: route.auth!, publicKey: match.publicKey)
            else {
                return reply(.message(401, "Unauthorized", headers: [("www-authenticate", "Bearer")]))
            }
            // As API Gateway: claims as strings, scopes from `scope`/`scp`.
            let scopes = (claims["scope"] as? String)?.split(separator: " ").map(String.init) ?? (claims["scp"] as? [String])
            authorizer = ["jwt": ["claims": claims.mapValues { ($0 as? String) ?? "\($0)" }, "scopes": scopes as Any? ?? NSNull()]]
        }
        deliver(
            request, match: match, rawPath: request.path, authorizer: authorizer, source: "http",
            requestIDHeader: "apigw-requestid", reply: reply)
    }

    /// What routes and function URLs share: build the payload 2.0 event, invoke, map the answer.
    /// `accept` sees the request and its body first (a URL's SigV4 check).
    private func deliver(
        _ request: HTTPTriggerIncoming, match: RouteTable.Match, rawPath: String, routeKey: String? = nil,
        authorizer: [String: Any]? = nil, source: String, requestIDHeader: String,
        reply: @escaping @Sendable (HTTPTriggerResponse) -> Void,
        accept: (HTTPTriggerIncoming, _ body: [UInt8]) -> Bool = { _, _ in true }
    ) {
        guard let body = request.body else { return reply(.message(413, "Request Entity Too Large")) }
        guard accept(request, body) else { return reply(.message(403, "Forbidden")) }
        let requestID = RequestID.make()
        let event = APIGatewayEvent.make(
            request, rawPath: rawPath, requestID: requestID, match: match, authorizer: authorizer, routeKey: routeKey)
        let invocation = InvocationRequest(
            requestID: requestID, functionName: match.route.functionName, qualifier: match.route.qualifier,
            payload: event, mode: .sync, source: source)
        invoker.invoke(invocation) { outcome in
            var result: HTTPTriggerResponse
            switch outcome {
            case .success(let response): result = Self.map(response)
            case .failure(let error): result = Self.map(error)
            }
            result.headers.append(.init(name: requestIDHeader, value: requestID))
            reply(result)
        }
    }

    /// API Gateway's answers: the function's response when it succeeded, 504 when it timed out,
    /// 429 when throttled, 502 for any other failure.
    static func map(_ response: InvocationResponse) -> HTTPTriggerResponse {
        switch response.outcome {
        case .success: APIGatewayResponse.map(response.payload)
        case .timeout: .message(504, "Endpoint request timed out")
        case .throttled: .message(429, "Too Many Requests")
        default: .message(502, "Internal Server Error")
        }
    }

    static func map(_ error: any Error) -> HTTPTriggerResponse {
        switch (error as? GustError)?.code {
        case .tooManyRequests: .message(429, "Too Many Requests", headers: [("retry-after", "1")])
        // As API Gateway: when Lambda refuses the invocation (a deleted function or alias), 500.
        default: .message(500, "Internal Server Error")
        }
    }
}

extension RouteTable {
    static let empty: RouteTable = try! RouteTable([])
}
