import Foundation
import GustCore
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
            let routes = try list.map { item throws(GustError) -> HTTPRoute in
                guard let item = item as? [String: Any], let method = item["Method"] as? String, let path = item["Path"] as? String else {
                    throw GustError.invalid("Each route needs a Method and a Path")
                }
                let qualifier = item["Qualifier"] as? String
                if let qualifier { try FunctionName.validate(qualifier) }
                return HTTPRoute(functionName: name, qualifier: qualifier, method: method, path: path)
            }
            try await triggers.setRoutes(of: name, routes)
            return try LambdaWire.json(["Routes": triggers.routes(of: name).map(Self.wire)])
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
        return object
    }

    private func name(_ context: some RequestContext) throws -> String {
        let raw = context.parameters.get("name").flatMap { $0.removingPercentEncoding } ?? ""
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
