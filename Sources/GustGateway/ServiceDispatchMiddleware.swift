import GustAWSWire
import GustSigV4
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Hands requests for the services in `routes` to them, ahead of the Lambda router's own
/// signature check: the service comes from the credential scope (or, unsigned, from the wire
/// form), the body is read up to the service's limit, the signature verified, and every refusal
/// is answered in that service's error shape. Anything else goes on to the router unchanged.
struct ServiceDispatchMiddleware<Context: RequestContext>: RouterMiddleware {
    let routes: ServiceRoutes
    let verifier: SigV4Verifier

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let header = { (name: String) -> String? in
            guard let field = HTTPField.Name(name) else { return nil }
            return request.headers[field]
        }
        let signingName = SigV4Scope.service(authorization: request.headers[.authorization], rawQuery: request.uri.query)
        let service: (any AWSService)?
        if let signingName {
            service = routes.service(signingName: signingName)
        } else {
            service = routes.service(
                unsignedMethod: request.method.rawValue, path: request.uri.path, query: request.uri.query, header: header)
        }
        guard let service else { return try await next(request, context) }
        return Self.response(try await answer(request, service: service, signingName: signingName, logger: context.logger))
    }

    private func answer(
        _ request: Request, service: any AWSService, signingName: String?, logger: Logger
    ) async throws -> AWSResponse {
        guard let signingName else {
            let error = SigV4Error(.missingAuthentication)
            return service.refusal(.unauthenticated(code: error.awsCode, message: error.message))
        }
        var request = request
        let announced = request.headers[.contentLength].flatMap { Int($0) }
        if let announced, announced > service.maxRequestBytes { return service.refusal(.tooLarge(limit: service.maxRequestBytes)) }
        // An unannounced or large body is read only for a known key and a current time.
        if announced.map({ $0 > Gateway.preflightThreshold }) ?? true,
            let error = verifier.preflight(SigV4Request(request.head, uri: request.uri, body: []))
        {
            return service.refusal(.unauthenticated(code: error.awsCode, message: error.message))
        }
        let body: [UInt8]
        do {
            body = Array(buffer: try await request.collectBody(upTo: service.maxRequestBytes))
        } catch {
            return service.refusal(.tooLarge(limit: service.maxRequestBytes))
        }
        switch verifier.verify(SigV4Request(request.head, uri: request.uri, body: body)) {
        case .failure(let error):
            return service.refusal(.unauthenticated(code: error.awsCode, message: error.message))
        case .success(let identity) where identity.service != signingName:
            // Routed by one reading of the scope and verified under another: never served.
            let error = SigV4Error(.incompleteSignature, "The credential scope names more than one service.")
            return service.refusal(.unauthenticated(code: error.awsCode, message: error.message))
        case .success(let identity):
            let awsRequest = AWSRequest(
                method: request.method.rawValue, path: request.uri.path, query: request.uri.query,
                headers: request.headers.map { (name: $0.name.rawName, value: $0.value) }, body: body,
                host: request.head.authority ?? "localhost",
                caller: AWSCaller(accessKey: identity.accessKey, region: identity.region, principal: identity.principal))
            let answer = await service.handle(awsRequest)
            if let action = AuditTrail.action(target: awsRequest.header("X-Amz-Target"), query: awsRequest.query, body: body),
                AuditTrail.isMutating(action)
            {
                AuditTrail.record(logger, principal: identity.principal, service: signingName, action: action, status: answer.status)
            }
            return answer
        }
    }

    private static func response(_ answer: AWSResponse) -> Response {
        var headers = HTTPFields()
        for (name, value) in answer.headers {
            if let field = HTTPField.Name(name) { headers.append(HTTPField(name: field, value: value)) }
        }
        return Response(
            status: HTTPResponse.Status(code: answer.status), headers: headers,
            body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
    }
}
