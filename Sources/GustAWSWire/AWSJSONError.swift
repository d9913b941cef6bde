import Foundation

/// An error in the AWS JSON protocols' shape: `{"__type": "namespace#Name", "message": …}`.
/// Services that came from the query protocol (SQS) also send the old code in
/// `x-amzn-query-error: Code;Sender`, which botocore and the AWS SDKs report as the error code.
public struct AWSJSONError: Error, Sendable, Equatable, CustomStringConvertible {
    public var type: String
    public var message: String
    public var status: Int
    /// The query protocol's code and fault (`Sender` or `Receiver`), when the service has them.
    public var queryCode: String?

    public init(type: String, message: String, status: Int = 400, queryCode: String? = nil) {
        self.type = type
        self.message = message
        self.status = status
        self.queryCode = queryCode
    }

    public var description: String { "\(type): \(message)" }

    /// The answer, in `contentType` (`application/x-amz-json-1.0` or `-1.1`).
    public func response(contentType: String = "application/x-amz-json-1.0") -> AWSResponse {
        let object: [String: Any] = ["__type": type, "message": message]
        let body = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        var headers: [(name: String, value: String)] = [
            ("Content-Type", contentType), ("x-amzn-RequestId", AWSRequestID.make()),
        ]
        if let queryCode {
            headers.append(("x-amzn-query-error", "\(queryCode);\(status >= 500 ? "Receiver" : "Sender")"))
        }
        return AWSResponse(status: status, headers: headers, body: Array(body))
    }

    /// A successful JSON answer.
    public static func success(_ object: [String: Any], contentType: String = "application/x-amz-json-1.0") -> AWSResponse {
        AWSResponse(
            status: 200, headers: [("Content-Type", contentType), ("x-amzn-RequestId", AWSRequestID.make())],
            body: JSONWriter.data(object))
    }
}

/// Request ids in AWS's form (a UUID).
public enum AWSRequestID {
    public static func make() -> String { UUID().uuidString.lowercased() }
}
