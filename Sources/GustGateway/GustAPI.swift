import Foundation
import GustCore
import GustHTTP
import GustScheduler
import GustStore
import Hummingbird

/// Gust's own JSON API for what no AWS API covers: invocation records, logs, HTTP routes.
struct GustAPI: Sendable {
    let log: any InvocationLog
    let recorder: InvocationRecorder
    let functions: any FunctionStore
    let triggers: HTTPTriggers

    func register(on router: Router<some RequestContext>) {
        router.get("/gust/v1/health") { _, _ in try LambdaWire.json(["Status": "ok"]) }
        router.get("/gust/v1/invocations") { request, _ in try await invocations(request, function: nil) }
        router.get("/gust/v1/functions/:name/invocations") { request, context in
            try await invocations(request, function: try name(context))
        }
        router.get("/gust/v1/routes") { _, _ in try LambdaWire.json(["Routes": triggers.routes().map(Self.wire)]) }
        router.get("/gust/v1/functions/:name/routes") { _, context in
            let name = try name(context)
            guard try await functions.latest(name) != nil else {
                throw GustError.notFound("Function not found: \(FunctionName.arn(name))")
            }
            return try LambdaWire.json(["Routes": triggers.routes(of: name).map(Self.wire)])
        }
        // Replaces the function's routes: {"Routes": [{"Method": "GET", "Path": "/items/{id}", "Qualifier": "live"}]}
        router.put("/gust/v1/functions/:name/routes") { request, context in
            let name = try name(context)
            let body = try await LambdaWire.body(request)
            guard let list = body["Routes"] as? [Any] else { throw GustError.invalid("Routes must be a list") }
            let routes = try list.map { item throws(GustError) -> HTTPRoute in try Self.route(item, function: name) }
            try await triggers.setRoutes(of: name, routes)
            return try LambdaWire.json(["Routes": triggers.routes(of: name).map(Self.wire)])
        }
        router.get("/gust/v1/api-keys") { _, _ in
            try LambdaWire.json(["ApiKeys": try await triggers.keys.apiKeys().map(Self.wire)])
        }
        // The key itself is in this response only; Gust keeps its SHA-256.
        router.post("/gust/v1/api-keys") { request, _ in
            let body = try await LambdaWire.body(request)
            let (key, secret) = try await triggers.createAPIKey(name: body["Name"] as? String ?? "")
            var object = Self.wire(key)
            object["Key"] = secret
            return try LambdaWire.json(object, status: .created)
        }
        router.delete("/gust/v1/api-keys/:id") { _, context in
            try await triggers.revokeAPIKey(id: context.parameters.get("id") ?? "")
            return LambdaWire.empty(.noContent)
        }
        router.get("/gust/v1/functions/:name/logs") { request, context in
            let name = try name(context)
            guard try await functions.latest(name) != nil else {
                throw GustError.notFound("Function not found: \(FunctionName.arn(name))")
            }
            let after = request.uri.queryParameters.get("after").map { Int64($0) }
            if let after, after == nil { throw GustError.invalid("after must be a position returned as NextToken") }
            await recorder.flush()
            let limit = request.uri.queryParameters.get("limit").flatMap { Int($0) } ?? 100
            let records = try await log.recordsInOrder(function: name, afterID: after ?? nil, limit: limit)
            return try LambdaWire.json([
                "FunctionName": name, "Logs": records.map(\.record.logs).joined(),
                "NextToken": String(records.last?.id ?? (after ?? nil) ?? 0),
            ])
        }
    }

    static func wire(_ route: HTTPRoute) -> [String: Any] {
        var object: [String: Any] = [
            "FunctionName": route.functionName, "Method": route.method, "Path": route.path, "RouteKey": route.routeKey,
        ]
        if let qualifier = route.qualifier { object["Qualifier"] = qualifier }
        if let auth = route.auth {
            // The HS256 secret is not echoed.
            var wire: [String: Any] = ["Type": auth.kind.rawValue]
            if let issuer = auth.issuer { wire["Issuer"] = issuer }
            if let audience = auth.audience { wire["Audience"] = audience }
            if auth.secret != nil { wire["Algorithm"] = "HS256" }
            if let key = auth.publicKey {
                wire["Algorithm"] = "RS256"
                wire["PublicKey"] = key
            }
            object["Auth"] = wire
        }
        if let cors = route.cors { object["Cors"] = LambdaWire.wire(cors) }
        if let throttle = route.throttle {
            object["Throttle"] = ["RateLimit": throttle.rate, "BurstLimit": throttle.burst]
        }
        return object
    }

    static func wire(_ key: APIKey) -> [String: Any] {
        ["Id": key.id, "Name": key.name, "CreatedDate": LambdaWire.timestamp(key.createdAt)]
    }

    /// One route of a `PUT …/routes` body, in the wire form `wire(_:)` writes.
    static func route(_ item: Any, function name: String) throws(GustError) -> HTTPRoute {
        guard let item = item as? [String: Any], let method = item["Method"] as? String, let path = item["Path"] as? String else {
            throw GustError.invalid("Each route needs a Method and a Path")
        }
        let qualifier = item["Qualifier"] as? String
        if let qualifier { try FunctionName.validate(qualifier) }
        var route = HTTPRoute(functionName: name, qualifier: qualifier, method: method, path: path)
        if let auth = item["Auth"] as? [String: Any] {
            guard let kind = RouteAuth.Kind(rawValue: (auth["Type"] as? String ?? "NONE").uppercased()) else {
                throw GustError.invalid("Route \(route.routeKey): Auth.Type must be NONE, API_KEY or JWT")
            }
            let audience = (auth["Audience"] as? [String]) ?? (auth["Audience"] as? String).map { [$0] }
            route.auth = RouteAuth(
                kind: kind, issuer: auth["Issuer"] as? String, audience: audience, secret: auth["Secret"] as? String,
                publicKey: auth["PublicKey"] as? String)
        }
        if let cors = item["Cors"] as? [String: Any] { route.cors = LambdaWire.cors(cors) }
        if let throttle = item["Throttle"] as? [String: Any] {
            guard let rate = (throttle["RateLimit"] as? NSNumber)?.doubleValue else {
                throw GustError.invalid("Route \(route.routeKey): Throttle needs a RateLimit (requests per second)")
            }
            guard rate.isFinite, rate > 0, rate <= 1_000_000 else {
                throw GustError.invalid("Route \(route.routeKey): Throttle.RateLimit must be between 0.001 and 1000000")
            }
            let burst = (throttle["BurstLimit"] as? NSNumber)?.intValue ?? max(1, Int(rate.rounded(.up)))
            route.throttle = RouteThrottle(rate: rate, burst: burst)
        }
        return route
    }

    private func name(_ context: some RequestContext) throws -> String {
        let raw = context.parameters.get("name").map { RouteTable.percentDecoded($0) } ?? ""
        try FunctionName.validate(raw)
        return raw
    }

    private func since(_ request: Request) throws -> Double? {
        guard let raw = request.uri.queryParameters.get("since") else { return nil }
        guard let value = Double(raw), value.isFinite else { throw GustError.invalid("since must be a number of seconds since 1970") }
        return value
    }

    private func records(_ request: Request, function: String?) async throws -> [InvocationRecord] {
        if let function, try await functions.latest(function) == nil {
            throw GustError.notFound("Function not found: \(FunctionName.arn(function))")
        }
        await recorder.flush()
        let limit = min(request.uri.queryParameters.get("limit").flatMap { Int($0) } ?? 100, 1000)
        return try await log.invocations(
            function: function, since: try since(request).map { Date(timeIntervalSince1970: $0) }, limit: limit)
    }

    private func invocations(_ request: Request, function: String?) async throws -> Response {
        let records = try await records(request, function: function)
        return try LambdaWire.json(["Invocations": records.map(Self.wire)])
    }

    static func wire(_ r: InvocationRecord) -> [String: Any] {
        var object: [String: Any] = [
            "RequestId": r.requestID, "FunctionName": r.functionName, "Version": r.version, "Source": r.source,
            "Mode": r.mode.rawValue, "Outcome": r.outcome.rawValue, "StartTime": r.startTime.timeIntervalSince1970,
            "DurationMs": r.durationMs, "BilledDurationMs": r.billedDurationMs, "MemorySizeMB": r.memorySizeMB,
            "GBSeconds": r.gigabyteSeconds,
            "ErrorType": r.errorType ?? NSNull(), "InitDurationMs": r.initDurationMs ?? NSNull(),
            "MaxMemoryUsedMB": r.maxMemoryUsedMB ?? NSNull(), "InstanceId": r.instanceID ?? NSNull(),
        ]
        object["Logs"] = r.logs
        return object
    }
}
