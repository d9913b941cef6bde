import Foundation
import GustCore

/// The record Lambda sends to an OnSuccess/OnFailure destination, field for field, so that a
/// consumer written for Lambda's destinations reads Gust's unchanged.
public struct DestinationRecord: Sendable {
    public enum Condition: String, Sendable {
        case success = "Success"
        case retriesExhausted = "RetriesExhausted"
        case eventAgeExceeded = "EventAgeExceeded"
    }

    public var requestID: String
    public var functionArn: String
    public var condition: Condition
    public var approximateInvokeCount: Int
    public var requestPayload: [UInt8]
    /// Nil when the function never ran (the event expired waiting).
    public var response: InvocationResponse?
    public var timestamp: Date

    public init(
        requestID: String, functionArn: String, condition: Condition, approximateInvokeCount: Int,
        requestPayload: [UInt8], response: InvocationResponse?, timestamp: Date = Date()
    ) {
        self.requestID = requestID
        self.functionArn = functionArn
        self.condition = condition
        self.approximateInvokeCount = approximateInvokeCount
        self.requestPayload = requestPayload
        self.response = response
        self.timestamp = timestamp
    }

    public func json() -> [UInt8] {
        var object: [String: Any] = [
            "version": "1.0",
            "timestamp": Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(timestamp),
            "requestContext": [
                "requestId": requestID, "functionArn": functionArn, "condition": condition.rawValue,
                "approximateInvokeCount": approximateInvokeCount,
            ] as [String: Any],
            "requestPayload": Self.value(requestPayload),
        ]
        if let response {
            var context: [String: Any] = ["statusCode": 200, "executedVersion": response.executedVersion]
            if let functionError = response.functionError { context["functionError"] = functionError }
            object["responseContext"] = context
            object["responsePayload"] = Self.value(response.payload)
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return Array(data)
    }

    /// A JSON payload as itself, anything else as text (Lambda does the same with a non-JSON body).
    static func value(_ bytes: [UInt8]) -> Any {
        if bytes.isEmpty { return NSNull() }
        if let parsed = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) { return parsed }
        return String(decoding: bytes, as: UTF8.self)
    }
}
