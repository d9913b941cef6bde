import Foundation

/// Lambda's error document, `{"errorMessage", "errorType", "stackTrace"}`, built by Gust for the
/// failures it detects itself (timeouts, crashes, out of memory).
public enum FunctionErrorDocument {
    public static func make(type: String?, message: String) -> [UInt8] {
        var object: [String: Any] = ["errorMessage": message]
        if let type { object["errorType"] = type }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return Array(data)
    }

    public static func timeout(requestID: String, seconds: Int) -> [UInt8] {
        make(type: nil, message: "\(iso8601Now()) \(requestID) Task timed out after \(seconds).00 seconds")
    }

    /// The `errorType` inside a function's error document, if it has one.
    public static func errorType(in payload: [UInt8]) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any] else {
            return nil
        }
        return object["errorType"] as? String
    }

    static func iso8601Now() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }
}
