import GustCore
import GustSigV4
import Hummingbird
import NIOCore

/// Admits only requests signed with SigV4 by a known key (header or presigned-query form). The body
/// is collected here because its hash is part of the signature; handlers then read it from memory.
struct SigV4Middleware<Context: RequestContext>: RouterMiddleware {
    let verifier: SigV4Verifier
    let maxBodyBytes: Int
    /// Paths served without credentials (health checks).
    let publicPaths: Set<String>
    static var preflightThreshold: Int { 64 * 1024 }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if publicPaths.contains(request.uri.path) { return try await next(request, context) }
        var request = request
        var headers = request.headers.map { (name: $0.name.rawName, value: $0.value) }
        // HTTP/1 `Host` arrives as the `:authority` pseudo-header; clients sign it as `host`.
        if let authority = request.head.authority {
            headers.append((name: "host", value: authority))
        }
        // Large or unannounced bodies are only read for a known key (a small one costs less to
        // read than to check twice).
        let announced = request.headers[.contentLength].flatMap { Int($0) }
        if announced.map({ $0 > Self.preflightThreshold }) ?? true {
            let unsigned = SigV4Request(method: request.method.rawValue, rawPath: request.uri.path, rawQuery: request.uri.query, headers: headers)
            if let error = verifier.preflight(unsigned) { throw error }
        }
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: maxBodyBytes)
        } catch {
            throw GustError(.requestTooLarge, "Request must be smaller than \(maxBodyBytes) bytes for the operation")
        }
        let signed = SigV4Request(
            method: request.method.rawValue, rawPath: request.uri.path, rawQuery: request.uri.query,
            headers: headers, body: Array(buffer: body))
        switch verifier.verify(signed) {
        case .success:
            return try await next(request, context)
        case .failure(let error):
            throw error
        }
    }
}
