import GustCore
import GustSigV4
import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOCore

/// Admits only requests signed with SigV4 by a known key (header or presigned-query form). The body
/// is collected here because its hash is part of the signature; handlers then read it from memory.
struct SigV4Middleware<Context: RequestContext>: RouterMiddleware {
    let verifier: SigV4Verifier
    let maxBodyBytes: Int
    /// Paths served without credentials (health checks).
    let publicPaths: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if publicPaths.contains(request.uri.path) { return try await next(request, context) }
        var request = request
        // Large or unannounced bodies are only read for a known key (a small one costs less to
        // read than to check twice).
        let announced = request.headers[.contentLength].flatMap { Int($0) }
        // The listener lets S3's larger bodies through; the Lambda API's limit is refused unread.
        if let announced, announced > maxBodyBytes {
            throw GustError(.requestTooLarge, "Request must be smaller than \(maxBodyBytes) bytes for the operation")
        }
        if announced.map({ $0 > Gateway.preflightThreshold }) ?? true {
            if let error = verifier.preflight(SigV4Request(request.head, uri: request.uri, body: [])) { throw error }
        }
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: maxBodyBytes)
        } catch {
            throw GustError(.requestTooLarge, "Request must be smaller than \(maxBodyBytes) bytes for the operation")
        }
        switch verifier.verify(SigV4Request(request.head, uri: request.uri, body: Array(buffer: body))) {
        case .success(let identity):
            guard Self.isAudited(request) else { return try await next(request, context) }
            let action = "\(request.method.rawValue) \(request.uri.path)"
            do {
                let response = try await next(request, context)
                AuditTrail.record(
                    context.logger, principal: identity.principal, service: identity.service, action: action,
                    status: response.status.code)
                return response
            } catch {
                let status = (error as? any HTTPResponseError)?.status.code ?? 500
                AuditTrail.record(context.logger, principal: identity.principal, service: identity.service, action: action, status: status)
                throw error
            }
        case .failure(let error):
            throw error
        }
    }

    /// The Lambda and Gust APIs change things with every method but GET and HEAD; invocations
    /// are recorded on their own.
    private static func isAudited(_ request: Request) -> Bool {
        request.method != .get && request.method != .head && !request.uri.path.hasSuffix("/invocations")
    }
}

extension SigV4Request {
    /// The parts of a request a signature covers, as it arrived; the middleware and
    /// `InvokeFastPath` both build it here.
    init(_ head: HTTPRequest, uri: URI, body: [UInt8]) {
        var headers = head.headerFields.map { (name: $0.name.rawName, value: $0.value) }
        // HTTP/1 `Host` arrives as the `:authority` pseudo-header; clients sign it as `host`.
        if let authority = head.authority {
            headers.append((name: "host", value: authority))
        }
        self.init(method: head.method.rawValue, rawPath: uri.path, rawQuery: uri.query, headers: headers, body: body)
    }
}
