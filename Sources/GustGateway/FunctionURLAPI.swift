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
            return try LambdaWire.json(["FunctionUrlConfigs": triggers.functionURLConfigs(of: name).map(wire)])
        }
        router.delete(RouterPath(base + "/url")) { request, context in
            let (name, qualifier) = try target(request, context)
            try await triggers.deleteFunctionURL(function: name, qualifier: qualifier)
            return LambdaWire.empty(.noContent)
        }
    }

    /// As `LambdaWire.target`, with `$LATEST` meaning the unqualified URL.
    private func target(_ request: Request, _ context: some RequestContext) throws(GustError) -> (String, String?) {
        let (name, qualifier) = try LambdaWire.target(request, context)
        return (name, qualifier == FunctionConfiguration.latest ? nil : qualifier)
    }

    private func put(_ request: Request, _ context: some RequestContext, create: Bool) async throws -> Response {
        let (name, qualifier) = try target(request, context)
        let body = try await LambdaWire.body(request)
        let existing = create ? nil : triggers.functionURLConfig(function: name, qualifier: qualifier)
        guard let authRaw = body["AuthType"] as? String ?? existing?.authType.rawValue,
            let authType = FunctionURLConfig.AuthType(rawValue: authRaw)
        else {
            throw GustError.invalid("1 validation error detected: Value at 'authType' failed to satisfy constraint: Member must satisfy enum value set: [NONE, AWS_IAM]")
        }
        let cors = (body["Cors"] as? [String: Any]).map(LambdaWire.cors) ?? existing?.cors
        try cors?.validate("Function URL of \(name)")
        let config = FunctionURLConfig(
            functionName: name, qualifier: qualifier, authType: authType, cors: cors,
            creationTime: existing?.creationTime ?? Date(), lastModifiedTime: Date())
        try await triggers.putFunctionURL(config, create: create)
        return try LambdaWire.json(wire(config), status: create ? .created : .ok)
    }

    private func wire(_ config: FunctionURLConfig) -> [String: Any] {
        var object: [String: Any] = [
            "FunctionUrl": triggers.functionURL(config),
            "FunctionArn": FunctionName.arn(config.functionName, qualifier: config.qualifier),
            "AuthType": config.authType.rawValue, "CreationTime": LambdaWire.timestamp(config.creationTime),
            "LastModifiedTime": LambdaWire.timestamp(config.lastModifiedTime), "InvokeMode": "BUFFERED",
        ]
        if let cors = config.cors { object["Cors"] = LambdaWire.wire(cors) }
        return object
    }
}
