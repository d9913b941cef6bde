import Foundation
import GRDB
import GustCore
import GustStore

extension SQLiteStore: FunctionStore {
    public func createFunction(_ config: FunctionConfiguration) async throws(GustError) {
        let json = try encodeOrThrow(config)
        try await write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM functions WHERE name = ?", arguments: [config.name]) != nil {
                throw GustError.conflict("Function already exist: \(config.name)")
            }
            try db.execute(sql: "INSERT INTO functions (name, latest) VALUES (?, ?)", arguments: [config.name, json])
        }
    }

    public func latest(_ name: String) async throws(GustError) -> FunctionConfiguration? {
        try await read { db in
            try String.fetchOne(db, sql: "SELECT latest FROM functions WHERE name = ?", arguments: [name])
                .map { try Self.decode(FunctionConfiguration.self, $0) }
        }
    }

    public func updateLatest(_ config: FunctionConfiguration) async throws(GustError) {
        let json = try encodeOrThrow(config)
        try await write { db in
            try db.execute(sql: "UPDATE functions SET latest = ? WHERE name = ?", arguments: [json, config.name])
            if db.changesCount == 0 { throw Self.functionNotFound(config.name) }
        }
    }

    public func deleteFunction(_ name: String) async throws(GustError) {
        try await write { db in
            try db.execute(sql: "DELETE FROM functions WHERE name = ?", arguments: [name])
            if db.changesCount == 0 { throw Self.functionNotFound(name) }
            try db.execute(sql: "DELETE FROM versions WHERE function = ?", arguments: [name])
            try db.execute(sql: "DELETE FROM aliases WHERE function = ?", arguments: [name])
            try db.execute(sql: "DELETE FROM routes WHERE function = ?", arguments: [name])
            try db.execute(sql: "DELETE FROM function_urls WHERE function = ?", arguments: [name])
            try db.execute(sql: "DELETE FROM event_invoke_configs WHERE function = ?", arguments: [name])
            try db.execute(sql: "DELETE FROM function_credentials WHERE function = ?", arguments: [name])
        }
    }

    public func listFunctions(after marker: String?, limit: Int) async throws(GustError) -> [FunctionConfiguration] {
        try await read { db in
            try String.fetchAll(
                db, sql: "SELECT latest FROM functions WHERE name > ? ORDER BY name LIMIT ?",
                arguments: [marker ?? "", limit]
            ).map { try Self.decode(FunctionConfiguration.self, $0) }
        }
    }

    public func publishVersion(_ name: String, description: String?) async throws(GustError) -> FunctionConfiguration {
        try await write { db in
            guard let row = try Row.fetchOne(
                db, sql: "SELECT latest, last_version FROM functions WHERE name = ?", arguments: [name])
            else { throw Self.functionNotFound(name) }
            let latest = try Self.decode(FunctionConfiguration.self, row["latest"])
            let last: Int = row["last_version"]
            if last > 0,
                let previousJSON = try String.fetchOne(
                    db, sql: "SELECT config FROM versions WHERE function = ? AND version = ?", arguments: [name, last])
            {
                let previous = try Self.decode(FunctionConfiguration.self, previousJSON)
                if previous.revisionID == latest.revisionID { return previous }
            }
            var frozen = latest
            frozen.version = String(last + 1)
            if let description { frozen.description = description }
            try db.execute(
                sql: "INSERT INTO versions (function, version, config) VALUES (?, ?, ?)",
                arguments: [name, last + 1, try Self.encode(frozen)])
            try db.execute(sql: "UPDATE functions SET last_version = ? WHERE name = ?", arguments: [last + 1, name])
            return frozen
        }
    }

    public func version(_ name: String, _ version: String) async throws(GustError) -> FunctionConfiguration? {
        if version == FunctionConfiguration.latest { return try await latest(name) }
        guard let number = Int(version) else { return nil }
        return try await read { db in
            try String.fetchOne(
                db, sql: "SELECT config FROM versions WHERE function = ? AND version = ?", arguments: [name, number]
            ).map { try Self.decode(FunctionConfiguration.self, $0) }
        }
    }

    public func versions(_ name: String) async throws(GustError) -> [FunctionConfiguration] {
        guard let latest = try await latest(name) else { throw Self.functionNotFound(name) }
        let published = try await read { db in
            try String.fetchAll(
                db, sql: "SELECT config FROM versions WHERE function = ? ORDER BY version", arguments: [name]
            ).map { try Self.decode(FunctionConfiguration.self, $0) }
        }
        return [latest] + published
    }

    public func createAlias(_ alias: Alias) async throws(GustError) {
        let json = try encodeOrThrow(alias)
        try await write { db in
            if try Bool.fetchOne(
                db, sql: "SELECT 1 FROM aliases WHERE function = ? AND name = ?",
                arguments: [alias.functionName, alias.name]) != nil
            {
                throw GustError.conflict("Alias already exists: \(FunctionName.arn(alias.functionName, qualifier: alias.name))")
            }
            try db.execute(
                sql: "INSERT INTO aliases (function, name, alias) VALUES (?, ?, ?)",
                arguments: [alias.functionName, alias.name, json])
        }
    }

    public func updateAlias(_ alias: Alias) async throws(GustError) {
        let json = try encodeOrThrow(alias)
        try await write { db in
            try db.execute(
                sql: "UPDATE aliases SET alias = ? WHERE function = ? AND name = ?",
                arguments: [json, alias.functionName, alias.name])
            if db.changesCount == 0 { throw Self.aliasNotFound(alias.functionName, alias.name) }
        }
    }

    public func alias(_ functionName: String, _ name: String) async throws(GustError) -> Alias? {
        try await read { db in
            try String.fetchOne(
                db, sql: "SELECT alias FROM aliases WHERE function = ? AND name = ?", arguments: [functionName, name]
            ).map { try Self.decode(Alias.self, $0) }
        }
    }

    public func aliases(_ functionName: String) async throws(GustError) -> [Alias] {
        try await read { db in
            try String.fetchAll(
                db, sql: "SELECT alias FROM aliases WHERE function = ? ORDER BY name", arguments: [functionName]
            ).map { try Self.decode(Alias.self, $0) }
        }
    }

    public func deleteAlias(_ functionName: String, _ name: String) async throws(GustError) {
        try await write { db in
            try db.execute(sql: "DELETE FROM aliases WHERE function = ? AND name = ?", arguments: [functionName, name])
            if db.changesCount == 0 { throw Self.aliasNotFound(functionName, name) }
        }
    }

    public func reservedConcurrency(_ functionName: String) async throws(GustError) -> Int? {
        try await read { db in
            try Int.fetchOne(
                db, sql: "SELECT reserved_concurrency FROM functions WHERE name = ?", arguments: [functionName])
        }
    }

    public func setReservedConcurrency(_ functionName: String, _ value: Int?) async throws(GustError) {
        try await write { db in
            try db.execute(
                sql: "UPDATE functions SET reserved_concurrency = ? WHERE name = ?", arguments: [value, functionName])
            if db.changesCount == 0 { throw Self.functionNotFound(functionName) }
        }
    }

    func encodeOrThrow<T: Encodable>(_ value: T) throws(GustError) -> String {
        do { return try Self.encode(value) } catch { throw .internalError("cannot encode: \(error)") }
    }

    static func functionNotFound(_ name: String) -> GustError {
        .notFound("Function not found: \(FunctionName.arn(name))")
    }

    static func aliasNotFound(_ functionName: String, _ name: String) -> GustError {
        .notFound("Alias not found: \(FunctionName.arn(functionName, qualifier: name))")
    }
}
