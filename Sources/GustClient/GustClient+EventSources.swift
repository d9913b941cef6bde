import Foundation

/// Event source mappings, tags and async invoke configs: the Lambda operations `gust deploy`
/// uses for a function's events.
extension GustClient {
    static let mappingsPath = "/2015-03-31/event-source-mappings/"

    /// Every mapping (of one function, if given), page by page.
    public func eventSourceMappings(function: String? = nil) async throws -> [[String: Any]] {
        var all: [[String: Any]] = []
        var marker: String?
        repeat {
            var query: [(String, String)] = [("MaxItems", "100")]
            if let function { query.append(("FunctionName", function)) }
            if let marker { query.append(("Marker", marker)) }
            let page = try await call("GET", Self.mappingsPath, query: query).json ?? [:]
            all += page["EventSourceMappings"] as? [[String: Any]] ?? []
            marker = (page["NextMarker"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        } while marker != nil
        return all
    }

    public func createEventSourceMapping(_ parameters: [String: Any]) async throws -> [String: Any] {
        try await call("POST", Self.mappingsPath, json: parameters).json ?? [:]
    }

    public func updateEventSourceMapping(_ uuid: String, _ parameters: [String: Any]) async throws -> [String: Any] {
        try await call("PUT", Self.mappingsPath + Self.encode(uuid), json: parameters).json ?? [:]
    }

    public func deleteEventSourceMapping(_ uuid: String) async throws {
        _ = try await call("DELETE", Self.mappingsPath + Self.encode(uuid))
    }

    /// A resource's tags (ListTags): a function's or an event source mapping's, by ARN.
    public func tags(_ arn: String) async throws -> [String: String] {
        try await call("GET", "/2017-03-31/tags/\(Self.encode(arn))").json?["Tags"] as? [String: String] ?? [:]
    }

    static func invokeConfigPath(_ name: String) -> String {
        "/2019-09-25/functions/\(encode(name))/event-invoke-config"
    }

    /// A function's async settings; nil if it has none.
    public func eventInvokeConfig(_ name: String) async throws -> [String: Any]? {
        do {
            return try await call("GET", Self.invokeConfigPath(name)).json
        } catch let error as GustClientError where error.status == 404 {
            return nil
        }
    }

    public func putEventInvokeConfig(_ name: String, _ parameters: [String: Any]) async throws -> [String: Any] {
        try await call("PUT", Self.invokeConfigPath(name), json: parameters).json ?? [:]
    }

    public func deleteEventInvokeConfig(_ name: String) async throws {
        _ = try await call("DELETE", Self.invokeConfigPath(name))
    }
}
