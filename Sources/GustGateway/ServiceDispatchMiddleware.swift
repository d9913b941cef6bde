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
        // S3's version-2 presigned URLs (awscli's `s3 presign`) name no scope: they are S3's alone.
        let signingName =
            SigV4Scope.service(authorization: request.headers[.authorization], rawQuery: request.uri.query)
            ?? (SigV2Presigned.matches(rawQuery: request.uri.query) ? "s3" : nil)
        let service: (any AWSService)?
        if let signingName {
            service = routes.service(signingName: signingName)
        } else {
            service = routes.service(
                unsignedMethod: request.method.rawValue, path: request.uri.path, query: request.uri.query, header: header)
        }
        guard let service else { return try await next(request, context) }
        let answer = try await answer(request, service: service, signingName: signingName, logger: context.logger)
        return try await Self.response(answer, context: context)
    }

    private func answer(
        _ request: Request, service: any AWSService, signingName: String?, logger: Logger
    ) async throws -> AWSResponse {
        guard let signingName else {
            if service.servesAnonymous, Self.isAnonymous(request) { return await anonymousAnswer(request, service: service, logger: logger) }
            let error = SigV4Error(.missingAuthentication)
            return service.refusal(.unauthenticated(code: error.awsCode, message: error.message))
        }
        if service.streamsRequestBodies {
            return await streamingAnswer(request, service: service, signingName: signingName, logger: logger)
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
        switch verify(SigV4Request(request.head, uri: request.uri, body: body), service: service, signingName: signingName) {
        case .failure(let refusal):
            return refusal.answer
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

    /// The signer, or the service's refusal. A request routed by one reading of the scope and
    /// verified under another is never served.
    private func verify(
        _ signed: SigV4Request, service: any AWSService, signingName: String
    ) -> Result<SigV4Identity, AWSRefusalAnswer> {
        let result =
            SigV2Presigned.matches(rawQuery: signed.rawQuery)
            ? verifier.verifyPresignedV2(signed, bucketFromHost: Self.bucketLabel(host: signed.header("Host")))
            : verifier.verify(signed)
        switch result {
        case .failure(let error):
            return .failure(AWSRefusalAnswer(service.refusal(.unauthenticated(code: error.awsCode, message: error.message))))
        case .success(let identity) where identity.service != signingName:
            let error = SigV4Error(.incompleteSignature, "The credential scope names more than one service.")
            return .failure(AWSRefusalAnswer(service.refusal(.unauthenticated(code: error.awsCode, message: error.message))))
        case .success(let identity):
            return .success(identity)
        }
    }

    /// A streaming service's request: the signature is checked over the head with the payload
    /// hash the client declared, and the body is handed over unread, checked as the service reads
    /// it (`StreamedRequestBody`).
    private func streamingAnswer(
        _ request: Request, service: any AWSService, signingName: String, logger: Logger
    ) async -> AWSResponse {
        let header = { (name: String) -> String? in HTTPField.Name(name).flatMap { request.headers[$0] } }
        let presigned = (request.uri.query?.contains("X-Amz-Signature=") ?? false) || SigV2Presigned.matches(rawQuery: request.uri.query)
        let declared = header("x-amz-content-sha256") ?? (presigned ? "UNSIGNED-PAYLOAD" : nil)
        guard let declared else {
            return service.refusal(
                .unauthenticated(code: "InvalidRequest", message: "Missing required header for this request: x-amz-content-sha256"))
        }
        var signed = SigV4Request(request.head, uri: request.uri, body: [])
        signed.payloadHash = declared
        let identity: SigV4Identity
        switch verify(signed, service: service, signingName: signingName) {
        case .failure(let refusal): return refusal.answer
        case .success(let verified): identity = verified
        }
        let timestamp = header("x-amz-date") ?? request.uri.queryParameters.get("X-Amz-Date")
        guard let mode = StreamedRequestBody.mode(payloadHash: declared, identity: identity, timestamp: timestamp, verifier: verifier) else {
            return service.refusal(
                .unauthenticated(code: "SignatureDoesNotMatch", message: "x-amz-content-sha256 must be a SHA-256 or one of S3's streaming forms"))
        }
        let length: Int?
        if case .chunked = mode {
            length = header("x-amz-decoded-content-length").flatMap { Int($0) }
        } else {
            length = request.headers[.contentLength].flatMap { Int($0) }
        }
        return await handOverStreamed(
            request, service: service, mode: mode, length: length,
            caller: AWSCaller(accessKey: identity.accessKey, region: identity.region, principal: identity.principal),
            auditService: signingName, logger: logger)
    }

    /// A request that carries no signature of any kind: no `Authorization` header (a version-2
    /// one is not anonymous, only unverifiable) and no presigned query.
    static func isAnonymous(_ request: Request) -> Bool {
        guard request.headers[.authorization] == nil else { return false }
        let names = request.uri.queryParameters.map { String($0.key) }
        return !names.contains { ["X-Amz-Signature", "X-Amz-Credential", "X-Amz-Algorithm", "Signature", "AWSAccessKeyId"].contains($0) }
    }

    /// An unsigned request for a service that serves anonymous callers: handed over with
    /// `caller == nil` and nothing verified but what the body says of itself (a declared
    /// SHA-256, the aws-chunked framing, trailing checksums).
    private func anonymousAnswer(_ request: Request, service: any AWSService, logger: Logger) async -> AWSResponse {
        guard service.streamsRequestBodies else {
            // No service but S3 serves anonymous callers, and S3 streams; a whole-body service
            // would need its body read here first.
            let error = SigV4Error(.missingAuthentication)
            return service.refusal(.unauthenticated(code: error.awsCode, message: error.message))
        }
        let declared = request.headers[HTTPField.Name("x-amz-content-sha256")!]
        let mode: StreamedRequestBody.Mode
        switch declared {
        case nil, "UNSIGNED-PAYLOAD": mode = .plain(sha256: nil)
        case "STREAMING-UNSIGNED-PAYLOAD-TRAILER": mode = .chunked(signer: nil)
        case let hash?:
            let hex = hash.lowercased()
            guard hex.utf8.count == 64, hex.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else {
                // Signed chunks without a signature to chain them from.
                let error = SigV4Error(.missingAuthentication)
                return service.refusal(.unauthenticated(code: error.awsCode, message: error.message))
            }
            mode = .plain(sha256: hex)
        }
        let length: Int?
        if case .chunked = mode {
            length = request.headers[HTTPField.Name("x-amz-decoded-content-length")!].flatMap { Int($0) }
        } else {
            length = request.headers[.contentLength].flatMap { Int($0) }
        }
        return await handOverStreamed(
            request, service: service, mode: mode, length: length, caller: nil, auditService: service.signingName, logger: logger)
    }

    /// Hands a streaming service its request, the body unread (`StreamedRequestBody` in `mode`).
    private func handOverStreamed(
        _ request: Request, service: any AWSService, mode: StreamedRequestBody.Mode, length: Int?, caller: AWSCaller?,
        auditService: String, logger: Logger
    ) async -> AWSResponse {
        if let length, length > service.maxRequestBytes { return service.refusal(.tooLarge(limit: service.maxRequestBytes)) }
        let (body, reader) = StreamedRequestBody.make(request.body, mode: mode, length: length, limit: service.maxRequestBytes)
        let awsRequest = AWSRequest(
            method: request.method.rawValue, path: request.uri.path, query: request.uri.query,
            headers: request.headers.map { (name: $0.name.rawName, value: $0.value) }, body: [], bodyStream: body,
            host: request.head.authority ?? "localhost", caller: caller)
        var answer = await service.handle(awsRequest)
        // Answered before the body ended (a failed precondition, a missing bucket): the unread
        // rest would be taken for the next request, and reading it could mean gigabytes, or
        // waiting for a client that expects `100 Continue` first. The connection closes instead.
        let sent = request.headers[.contentLength].flatMap { Int($0) } ?? (request.headers[.transferEncoding] == nil ? 0 : 1)
        if sent > 0, !reader.finished { answer.headers.append(("Connection", "close")) }
        if request.method != .get, request.method != .head {
            AuditTrail.record(
                logger, principal: caller?.principal ?? "anonymous", service: auditService,
                action: "\(request.method.rawValue) \(request.uri.path)", status: answer.status)
        }
        return answer
    }

    /// The first label of a host name that has several and is not an IP address: the bucket, if the
    /// request is virtual-host addressed (a version-2 signature covers it).
    static func bucketLabel(host: String?) -> String? {
        guard let host, let name = host.split(separator: ":").first else { return nil }
        let labels = name.split(separator: ".")
        guard labels.count > 1, !labels.allSatisfy({ $0.allSatisfy(\.isNumber) }) else { return nil }
        return String(labels[0])
    }

    private static func response(_ answer: AWSResponse, context: Context) async throws -> Response {
        var headers = HTTPFields()
        for (name, value) in answer.headers {
            if let field = HTTPField.Name(name) { headers.append(HTTPField(name: field, value: value)) }
        }
        let status = HTTPResponse.Status(code: answer.status)
        switch answer.streamed {
        case nil:
            return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
        case .file(let path, let offset, let length):
            guard length > 0 else { return Response(status: status, headers: headers, body: .init()) }
            let body = try await FileIO().loadFile(
                path: path, range: Int(offset)...Int(offset + length - 1), context: context)
            return Response(status: status, headers: headers, body: body)
        case .stream(_, let chunks):
            let buffers = chunks.map { ByteBuffer(bytes: $0) }
            return Response(status: status, headers: headers, body: .init(asyncSequence: buffers))
        }
    }
}

/// A refusal already in the service's shape, carried as a `Result` failure.
struct AWSRefusalAnswer: Error {
    let answer: AWSResponse
    init(_ answer: AWSResponse) { self.answer = answer }
}
