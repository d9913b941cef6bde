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
