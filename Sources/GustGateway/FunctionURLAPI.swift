import Foundation
import GustCore
import Hummingbird

/// Lambda's function URL operations (`/2021-10-31/functions/{name}/url`). The URLs themselves are
/// served by `HTTPTriggers` on the HTTP listener.
struct FunctionURLAPI: Sendable {
    let triggers: HTTPTriggers

    func register(on router: Router<some RequestContext>) {
        let base = "/2021-10-31/functions/:name"
        router.post(RouterPath(base + "/url")) { request, context in try await put(request, context, create: true) }
        router.put(RouterPath(base + "/url")) { request, context in try await put(request, context, create: false) }
        router.get(RouterPath(base + "/url")) { request, context in
            let (name, qualifier) = try target(request, context)
            guard let config = triggers.functionURLConfig(function: name, qualifier: qualifier) else {
                throw GustError.notFound("The resource you requested does not exist.")
            }
            return try LambdaWire.json(wire(config))
        }
        router.get(RouterPath(base + "/urls")) { request, context in
            let (name, _) = try target(request, context)
            let configs = ([nil] + triggers.routesQualifiers(of: name)).compactMap {
                triggers.functionURLConfig(function: name, qualifier: $0)
            }
            return try LambdaWire.json(["FunctionUrlConfigs": configs.map(wire)])
        }
        router.delete(RouterPath(base + "/url")) { request, context in
            let (name, qualifier) = try target(request, context)
            try await triggers.deleteFunctionURL(function: name, qualifier: qualifier)
            return LambdaWire.empty(.noContent)
        }
    }

    private func target(_ request: Request, _ context: some RequestContext) throws(GustError) -> (String, String?) {
        let raw = context.parameters.get("name").flatMap { $0.removingPercentEncoding } ?? ""
        let (name, pathQualifier) = try FunctionName.parse(raw)
        let qualifier = pathQualifier ?? request.uri.queryParameters.get("Qualifier").map { String($0) }
        if let qualifier { try FunctionName.validateQualifier(qualifier) }
        // Lambda only allows aliases (and $LATEST) here; `$LATEST` is the unqualified URL.
        return (name, qualifier == FunctionConfiguration.latest ? nil : qualifier)
    }

    private func put(_ request: Request, _ context: some RequestContext, create: Bool) async throws -> Response {
        let (name, qualifier) = try target(request, context)
        let body = try await LambdaWire.body(request)
        let existing = triggers.functionURLConfig(function: name, qualifier: qualifier)
        let authRaw = body["AuthType"] as? String ?? (create ? nil : existing?.authType.rawValue)
        guard let authRaw, let authType = FunctionURLConfig.AuthType(rawValue: authRaw) else {
            throw GustError.invalid("1 validation error detected: Value at 'authType' failed to satisfy constraint: Member must satisfy enum value set: [NONE, AWS_IAM]")
        }
        var cors = create ? nil : existing?.cors
        if let wire = body["Cors"] as? [String: Any] {
            cors = RouteCORS(
                allowOrigins: wire["AllowOrigins"] as? [String] ?? ["*"], allowMethods: wire["AllowMethods"] as? [String] ?? ["*"],
                allowHeaders: wire["AllowHeaders"] as? [String] ?? ["*"], exposeHeaders: wire["ExposeHeaders"] as? [String] ?? [],
                maxAge: (wire["MaxAge"] as? NSNumber)?.intValue, allowCredentials: wire["AllowCredentials"] as? Bool ?? false)
        }
        try cors?.validate("Function URL of \(name)")
        let config = FunctionURLConfig(
            functionName: name, qualifier: qualifier, authType: authType, cors: cors,
            creationTime: existing?.creationTime ?? Date(), lastModifiedTime: Date())
        try await triggers.putFunctionURL(config, create: create)
        return try LambdaWire.json(wire(config), status: create ? .created : .ok)
    }

    private func wire(_ config: FunctionURLConfig) -> [String: Any] {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var arn = FunctionName.arn(config.functionName)
        if let qualifier = config.qualifier { arn += ":\(qualifier)" }
        var object: [String: Any] = [
            "FunctionUrl": triggers.functionURL(config), "FunctionArn": arn, "AuthType": config.authType.rawValue,
            "CreationTime": formatter.string(from: config.creationTime),
            "LastModifiedTime": formatter.string(from: config.lastModifiedTime), "InvokeMode": "BUFFERED",
        ]
        if let cors = config.cors {
            var corsWire: [String: Any] = [
                "AllowOrigins": cors.allowOrigins, "AllowMethods": cors.allowMethods, "AllowHeaders": cors.allowHeaders,
                "ExposeHeaders": cors.exposeHeaders, "AllowCredentials": cors.allowCredentials,
            ]
            if let maxAge = cors.maxAge { corsWire["MaxAge"] = maxAge }
            object["Cors"] = corsWire
        }
        return object
    }
}
