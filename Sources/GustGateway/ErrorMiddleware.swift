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
        } catch let error as GustError {
            return GustError.wireResponse(code: error.awsType, message: error.message, status: error.status)
        } catch let error as SigV4Error {
            return GustError.wireResponse(code: error.awsCode, message: error.message, status: .forbidden)
        } catch let error as HTTPError {
            switch error.status {
            case .notFound:
                return GustError.wireResponse(code: "UnknownOperationException", message: "Unknown operation \(request.method) \(request.uri.path)", status: .notFound)
            case .contentTooLarge:
                return GustError.wireResponse(code: "RequestTooLargeException", message: "Request must be smaller than the payload limit", status: .contentTooLarge)
            default:
                return GustError.wireResponse(code: "InvalidRequestContentException", message: error.body ?? "\(error.status)", status: error.status)
            }
        } catch {
            context.logger.error("unexpected error", metadata: ["error": "\(error)"])
            return GustError.wireResponse(code: "ServiceException", message: "Internal error", status: .internalServerError)
        }
    }
}
