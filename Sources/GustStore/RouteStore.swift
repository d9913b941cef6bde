import Foundation
import GustCore

/// HTTP trigger routes (see `HTTPRoute`).
public protocol RouteStore: Sendable {
    /// Every function's routes.
    func routes() async throws(GustError) -> [HTTPRoute]
    /// Replaces one function's routes in one transaction. `validate` sees every route as it
    /// would be after the change and may throw (a conflict) to leave the store unchanged.
    func replaceRoutes(
        of functionName: String, with routes: [HTTPRoute],
        validate: @escaping @Sendable ([HTTPRoute]) throws(GustError) -> Void
    ) async throws(GustError)
}

/// An API key for routes with `API_KEY` auth. Only the key's SHA-256 is stored.
public struct APIKey: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var sha256: String
    public var createdAt: Date

    public init(id: String, name: String, sha256: String, createdAt: Date = Date()) {
        self.id = id
        self.name = name
        self.sha256 = sha256
        self.createdAt = createdAt
    }
}

public protocol APIKeyStore: Sendable {
    func createAPIKey(_ key: APIKey) async throws(GustError)
    func apiKeys() async throws(GustError) -> [APIKey]
    /// `.resourceNotFound` when there is no such key.
    func deleteAPIKey(id: String) async throws(GustError)
}

public protocol FunctionURLStore: Sendable {
    func functionURLs() async throws(GustError) -> [FunctionURLConfig]
    /// With `create`, `.resourceConflict` if the URL exists; else `.resourceNotFound` if it does not.
    /// `.resourceNotFound` too when the function does not exist.
    func putFunctionURL(_ config: FunctionURLConfig, create: Bool) async throws(GustError)
    func deleteFunctionURL(function: String, qualifier: String?) async throws(GustError)
}
