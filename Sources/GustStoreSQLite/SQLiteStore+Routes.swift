import Foundation
import GRDB
import GustCore
import GustStore

extension SQLiteStore: RouteStore {
    public func routes() async throws(GustError) -> [HTTPRoute] {
        try await read { db in try Self.allRoutes(db) }
    }

    public func replaceRoutes(
        of functionName: String, with routes: [HTTPRoute],
        validate: @escaping @Sendable ([HTTPRoute]) throws(GustError) -> Void
    ) async throws(GustError) {
        try await write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM functions WHERE name = ?", arguments: [functionName]) != nil else {
                throw Self.functionNotFound(functionName)
            }
            let others = try Self.allRoutes(db).filter { $0.functionName != functionName }
            try validate(others + routes)
            try db.execute(sql: "DELETE FROM routes WHERE function = ?", arguments: [functionName])
            for route in routes {
                try db.execute(
                    sql: "INSERT INTO routes (function, route_key, definition) VALUES (?, ?, ?)",
                    arguments: [functionName, route.routeKey, try Self.encode(route)])
            }
        }
    }

    static func allRoutes(_ db: Database) throws -> [HTTPRoute] {
        try String.fetchAll(db, sql: "SELECT definition FROM routes ORDER BY function, route_key")
            .map { try decode(HTTPRoute.self, $0) }
    }
}

extension SQLiteStore: APIKeyStore {
    public func createAPIKey(_ key: APIKey) async throws(GustError) {
        try await write { db in
            try db.execute(
                sql: "INSERT INTO api_keys (id, name, sha256, created_at) VALUES (?, ?, ?, ?)",
                arguments: [key.id, key.name, key.sha256, key.createdAt.timeIntervalSince1970])
        }
    }

    public func apiKeys() async throws(GustError) -> [APIKey] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT id, name, sha256, created_at FROM api_keys ORDER BY created_at, id").map { row in
                APIKey(
                    id: row["id"], name: row["name"], sha256: row["sha256"],
                    createdAt: Date(timeIntervalSince1970: row["created_at"]))
            }
        }
    }

    public func deleteAPIKey(id: String) async throws(GustError) {
        try await write { db in
            try db.execute(sql: "DELETE FROM api_keys WHERE id = ?", arguments: [id])
            if db.changesCount == 0 { throw GustError.notFound("API key not found: \(id)") }
        }
    }
}

extension SQLiteStore: FunctionURLStore {
    public func functionURLs() async throws(GustError) -> [FunctionURLConfig] {
        try await read { db in
            try String.fetchAll(db, sql: "SELECT definition FROM function_urls ORDER BY function, qualifier")
                .map { try Self.decode(FunctionURLConfig.self, $0) }
        }
    }

    public func putFunctionURL(_ config: FunctionURLConfig, create: Bool) async throws(GustError) {
        try await write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM functions WHERE name = ?", arguments: [config.functionName]) != nil else {
                throw Self.functionNotFound(config.functionName)
            }
            let qualifier = config.qualifier ?? ""
            let exists = try Bool.fetchOne(
                db, sql: "SELECT 1 FROM function_urls WHERE function = ? AND qualifier = ?",
                arguments: [config.functionName, qualifier]) != nil
            if create && exists {
                throw GustError(.resourceConflict, "Failed to create function url config for [functionArn = \(FunctionName.arn(config.functionName))]. Error message:  FunctionUrlConfig exists for this Lambda function")
            }
            if !create && !exists {
                throw GustError.notFound("The resource you requested does not exist.")
            }
            try db.execute(
                sql: "INSERT OR REPLACE INTO function_urls (function, qualifier, definition) VALUES (?, ?, ?)",
                arguments: [config.functionName, qualifier, try Self.encode(config)])
        }
    }

    public func deleteFunctionURL(function: String, qualifier: String?) async throws(GustError) {
        try await write { db in
            try db.execute(
                sql: "DELETE FROM function_urls WHERE function = ? AND qualifier = ?", arguments: [function, qualifier ?? ""])
            if db.changesCount == 0 { throw GustError.notFound("The resource you requested does not exist.") }
        }
    }
}
