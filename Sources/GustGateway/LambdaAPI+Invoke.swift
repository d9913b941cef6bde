import Foundation
import GustCore
import HTTPTypes
import Hummingbird
import NIOCore

extension LambdaAPI {
    /// Invoke: `RequestResponse` waits for the result, `Event` returns 202 once the event is durable,
    /// `DryRun` checks the function exists.
    func invoke(_ request: Request, _ context: some RequestContext) async throws -> Response {
        let (name, qualifier) = try LambdaWire.target(request, context)
        let type = request.headers[.amzInvocationType] ?? "RequestResponse"
        switch type {
        case "RequestResponse":
            let payload = try await LambdaWire.bytes(request, limit: Self.syncPayloadLimit)
            let invocation = try Self.syncInvocation(
                name: name, qualifier: qualifier, payload: payload, headers: request.headers)
            let response = try await invoker.invoke(invocation)
            return Response(
                status: .ok, headers: Self.syncResponseHeaders(response, logTail: invocation.wantsLogTail),
                body: .init(byteBuffer: ByteBuffer(bytes: response.payload)))
        case "Event":
            let payload = try await LambdaWire.bytes(request, limit: Self.asyncPayloadLimit)
            try Self.checkJSON(payload)
            _ = try await functions.get(name, qualifier: qualifier)
            let requestID = RequestID.make()
            _ = try await asyncQueue.enqueue(
                AsyncEvent(
                    requestID: requestID, functionName: name, qualifier: qualifier,
                    payload: payload.isEmpty ? Array("{}".utf8) : payload))
            asyncEnqueued()
            var headers: HTTPFields = [.contentLength: "0"]
            headers[.amznRequestID] = requestID
            return Response(status: .accepted, headers: headers)
        case "DryRun":
            _ = try await functions.get(name, qualifier: qualifier)
            return LambdaWire.empty(.noContent)
        default:
            throw GustError.invalid("Value '\(type)' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]")
        }
    }

    /// A `RequestResponse` invocation from its parts; this route and `InvokeFastPath` share it.
    static func syncInvocation(
        name: String, qualifier: String?, payload: [UInt8], headers: HTTPFields
    ) throws(GustError) -> InvocationRequest {
        try checkJSON(payload)
        return InvocationRequest(
            functionName: name, qualifier: qualifier, payload: payload.isEmpty ? Array("{}".utf8) : payload,
            mode: .sync, source: "api", clientContext: try clientContext(headers[.amzClientContext]),
            wantsLogTail: headers[.amzLogType] == "Tail")
    }

    /// The headers of a `RequestResponse` answer (status 200, the function's payload as body).
    static func syncResponseHeaders(_ response: InvocationResponse, logTail: Bool) -> HTTPFields {
        var headers: HTTPFields = [.contentType: "application/json"]
        headers[.amzExecutedVersion] = response.executedVersion
        headers[.amznRequestID] = response.requestID
        if let error = response.functionError { headers[.amzFunctionError] = error }
        if logTail {
            headers[.amzLogResult] = Data(Self.tail(response.logs)).base64EncodedString()
        }
        return headers
    }

    /// `X-Amz-Client-Context` arrives base64-encoded (as boto3 and awscli send it); runtimes get
    /// the decoded JSON, as in Lambda.
    static func clientContext(_ encoded: String?) throws(GustError) -> String? {
        guard let encoded else { return nil }
        // UTF-8 JSON only, without control bytes but whitespace: it travels on in a Runtime API
        // header (JSONSerialization would also take UTF-16 or UTF-32).
        guard encoded.utf8.count <= 3583, let data = Data(base64Encoded: encoded),
            let text = String(validating: data, as: UTF8.self),
            !data.contains(where: { $0 < 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }),
            (try? JSONSerialization.jsonObject(with: data)) != nil
        else {
            throw GustError(.invalidRequestContent, "Client context must be a base64-encoded JSON object of at most 3583 bytes")
        }
        return text
    }

    /// Lambda only accepts JSON events.
    static func checkJSON(_ payload: [UInt8]) throws(GustError) {
        guard !payload.isEmpty else { return }
        guard JSONValidator.isValid(payload) else {
            throw GustError(.invalidRequestContent, "Could not parse request body into json: Could not parse payload into json: Unexpected character")
        }
    }

    /// The last 4 KB of the log text, as Lambda's `X-Amz-Log-Result`, cut at a line start when possible.
    static func tail(_ logs: String) -> [UInt8] {
        let bytes = Array(logs.utf8)
        guard bytes.count > 4096 else { return bytes }
        var start = bytes.count - 4096
        // Do not start inside a UTF-8 sequence.
        while start < bytes.count, bytes[start] & 0xC0 == 0x80 { start += 1 }
        return Array(bytes[start...])
    }
}
