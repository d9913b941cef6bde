import Foundation
import GustCore
import HTTPTypes
import Hummingbird
import NIOCore

extension GustError: ResponseGenerator {}
extension GustError: HTTPResponseError {
    public var status: HTTPResponse.Status { HTTPResponse.Status(code: httpStatus) }

    /// Lambda's REST-JSON error form: the type in `x-amzn-ErrorType` and in the body.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let (headers, body) = Self.wire(code: awsType, message: message, status: status)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// The headers and body of an error answer, for writers without a Hummingbird `Response`.
    static func wire(code: String, message: String, status: HTTPResponse.Status) -> (HTTPFields, [UInt8]) {
        let body: [String: Any] = ["__type": code, "Type": status.code >= 500 ? "Service" : "User", "message": message]
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data()
        var headers: HTTPFields = [.contentType: "application/json"]
        headers[.amznErrorType] = code
        headers[.amznRequestID] = RequestID.make()
        return (headers, Array(data))
    }
}
