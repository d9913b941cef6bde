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
        } catch let error as SigV4Error {
            return GustError.wireResponse(code: error.awsCode, message: error.message, status: .forbidden)
        } catch {
            let wire = Self.gustError(error, request)
            if wire.code == .service { context.logger.error("unexpected error", metadata: ["error": "\(error)"]) }
            return GustError.wireResponse(code: wire.awsType, message: wire.message, status: wire.status)
        }
    }

    /// Every error as the `GustError` it is reported as; its code owns the status and wire type.
    static func gustError(_ error: any Error, _ request: Request) -> GustError {
        switch error {
        case let error as GustError:
            return error
        case let error as HTTPError where error.status == .notFound:
            return GustError(.unknownOperation, "Unknown operation \(request.method) \(request.uri.path)")
        case let error as HTTPError where error.status == .contentTooLarge:
            return GustError(.requestTooLarge, "Request must be smaller than the payload limit")
        case let error as HTTPError:
            return GustError(.invalidRequestContent, error.body ?? "\(error.status)")
        default:
            return GustError(.service, "Internal error")
        }
    }
}
