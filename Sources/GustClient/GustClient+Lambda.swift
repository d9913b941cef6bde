import Foundation
import GustCore

/// The Lambda operations the CLI uses.
extension GustClient {
    static func functionPath(_ name: String, _ suffix: String = "") -> String {
        "/2015-03-31/functions/\(encode(name))\(suffix)"
    }

    public func getFunction(_ name: String) async throws -> [String: Any]? {
        do {
            return try await call("GET", Self.functionPath(name)).json
        } catch let error as GustClientError where error.status == 404 {
            return nil
        }
    }

    public func createFunction(_ parameters: [String: Any]) async throws -> [String: Any] {
        try await call("POST", "/2015-03-31/functions", json: parameters).json ?? [:]
    }

    public func updateCode(_ name: String, zip: [UInt8]) async throws -> [String: Any] {
        try await call("PUT", Self.functionPath(name, "/code"), json: ["ZipFile": Data(zip).base64EncodedString()]).json ?? [:]
    }

    public func updateConfiguration(_ name: String, _ parameters: [String: Any]) async throws -> [String: Any] {
        try await call("PUT", Self.functionPath(name, "/configuration"), json: parameters).json ?? [:]
    }

    public func setConcurrency(_ name: String, _ value: Int?) async throws {
        let path = "/2017-10-31/functions/\(Self.encode(name))/concurrency"
        if let value {
            _ = try await call("PUT", path, json: ["ReservedConcurrentExecutions": value])
        } else {
            _ = try await call("DELETE", path)
        }
    }

    /// Replaces a function's HTTP routes (Gust API); returns them as stored.
    public func setRoutes(_ name: String, _ routes: [[String: Any]]) async throws -> [[String: Any]] {
        let reply = try await call("PUT", "/gust/v1/functions/\(Self.encode(name))/routes", json: ["Routes": routes])
        return reply.json?["Routes"] as? [[String: Any]] ?? []
    }

    public func routes() async throws -> [[String: Any]] {
        try await call("GET", "/gust/v1/routes").json?["Routes"] as? [[String: Any]] ?? []
    }

    public func createAPIKey(name: String) async throws -> [String: Any] {
        try await call("POST", "/gust/v1/api-keys", json: ["Name": name]).json ?? [:]
    }

    public func apiKeys() async throws -> [[String: Any]] {
        try await call("GET", "/gust/v1/api-keys").json?["ApiKeys"] as? [[String: Any]] ?? []
    }

    public func revokeAPIKey(id: String) async throws {
        _ = try await call("DELETE", "/gust/v1/api-keys/\(Self.encode(id))")
    }

    public func deleteFunction(_ name: String) async throws {
        _ = try await call("DELETE", Self.functionPath(name))
    }

    public func listFunctions() async throws -> [[String: Any]] {
        var all: [[String: Any]] = []
        var marker: String?
        repeat {
            let query = marker.map { [("Marker", $0)] } ?? []
            let page = try await call("GET", "/2015-03-31/functions/", query: query).json ?? [:]
            all += page["Functions"] as? [[String: Any]] ?? []
            marker = page["NextMarker"] as? String
        } while marker != nil
        return all
    }

    public func invoke(_ name: String, payload: [UInt8], async: Bool) async throws -> Reply {
        let headers = [
            "X-Amz-Invocation-Type": async ? "Event" : "RequestResponse",
            "X-Amz-Log-Type": async ? "None" : "Tail",
        ]
        let reply = try await send("POST", Self.functionPath(name, "/invocations"), body: payload, headers: headers)
        guard (200..<300).contains(reply.status) else { throw GustClientError(reply) }
        return reply
    }

    /// Log text after `token` (or the newest records), and the token to continue from.
    public func logs(_ name: String, after token: String?) async throws -> (text: String, next: String?) {
        let query = token.map { [("after", $0)] } ?? []
        let json = try await call("GET", "/gust/v1/functions/\(Self.encode(name))/logs", query: query).json ?? [:]
        return (json["Logs"] as? String ?? "", json["NextToken"] as? String ?? token)
    }
}
