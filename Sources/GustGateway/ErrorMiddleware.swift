import GustCore
import GustSigV4
import HTTPTypes
import Hummingbird
import Logging

/// Every failure leaves the gateway in the AWS error form: Gust's own errors render themselves, a
/// bad signature is a 403, Hummingbird's errors keep their status, and anything unexpected is a
/// `ServiceException` that is logged, never a dropped connection or a stack trace.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let (status, headers, body) = ErrorAnswer.make(
                error, method: request.method, path: request.uri.path, logger: context.logger)
            return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
    }
}

/// The error answers of the API port, shared by `ErrorMiddleware` and `InvokeFastPath`.
enum ErrorAnswer {
    /// The AWS error answer for `error`: a bad signature is a 403, anything else is the
    /// `GustError` it is reported as (logged when it is unexpected).
    static func make(
        _ error: any Error, method: HTTPRequest.Method, path: String, logger: Logger
    ) -> (HTTPResponse.Status, HTTPFields, [UInt8]) {
        if let error = error as? SigV4Error {
            let (headers, body) = GustError.wire(code: error.awsCode, message: error.message, status: .forbidden)
            return (.forbidden, headers, body)
        }
        let gust = gustError(error, method: method, path: path)
        if gust.code == .service { logger.error("unexpected error", metadata: ["error": "\(error)"]) }
        let (headers, body) = GustError.wire(code: gust.awsType, message: gust.message, status: gust.status)
        return (gust.status, headers, body)
    }

    /// Every error as the `GustError` it is reported as; its code owns the status and wire type.
    static func gustError(_ error: any Error, method: HTTPRequest.Method, path: String) -> GustError {
        switch error {
        case let error as GustError:
            return error
        case let error as HTTPError where error.status == .notFound:
            return GustError(.unknownOperation, "Unknown operation \(method) \(path)")
        case let error as HTTPError where error.status == .contentTooLarge:
            return GustError(.requestTooLarge, "Request must be smaller than the payload limit")
        case let error as HTTPError:
            return GustError(.invalidRequestContent, error.body ?? "\(error.status)")
        default:
            return GustError(.service, "Internal error")
        }
    }
}
