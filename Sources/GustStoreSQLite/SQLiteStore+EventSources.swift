import Foundation
import GRDB
import GustCore
import GustEvents

extension SQLiteStore: EventSourceMappingStore {
    public func createMapping(_ mapping: EventSourceMapping) async throws(GustError) {
        let json = try encodeOrThrow(mapping)
        try await write { db in
            if let existing = try String.fetchOne(
                db, sql: "SELECT uuid FROM event_source_mappings WHERE function = ? AND qualifier = ? AND source_arn = ?",
                arguments: [mapping.functionName, mapping.qualifier ?? "", mapping.eventSourceArn])
            {
                throw GustError.conflict(
                    "An event source mapping with SQS arn (\" \(mapping.eventSourceArn) \") and function (\" \(mapping.functionName) \") already exists. Please update or delete the existing mapping with UUID \(existing)")
            }
            try db.execute(
                sql: "INSERT INTO event_source_mappings (uuid, function, qualifier, source_arn, config) VALUES (?, ?, ?, ?, ?)",
                arguments: [mapping.uuid, mapping.functionName, mapping.qualifier ?? "", mapping.eventSourceArn, json])
        }
    }

    public func mapping(uuid: String) async throws(GustError) -> EventSourceMapping? {
        try await read { db in
            try String.fetchOne(db, sql: "SELECT config FROM event_source_mappings WHERE uuid = ?", arguments: [uuid])
                .map { try Self.decode(EventSourceMapping.self, $0) }
        }
    }

    public func mappings(
        functionName: String?, eventSourceArn: String?, after marker: String?, limit: Int
    ) async throws(GustError) -> [EventSourceMapping] {
        try await read { db in
            var sql = "SELECT config FROM event_source_mappings WHERE uuid > ?"
            var arguments: StatementArguments = [marker ?? ""]
            if let functionName {
                sql += " AND function = ?"
                _ = arguments.append(contentsOf: [functionName])
            }
            if let eventSourceArn {
                sql += " AND source_arn = ?"
                _ = arguments.append(contentsOf: [eventSourceArn])
            }
            sql += " ORDER BY uuid LIMIT ?"
            _ = arguments.append(contentsOf: [limit])
            return try String.fetchAll(db, sql: sql, arguments: arguments).map { try Self.decode(EventSourceMapping.self, $0) }
        }
    }

    public func updateMapping(_ mapping: EventSourceMapping) async throws(GustError) {
        let json = try encodeOrThrow(mapping)
        try await write { db in
            try db.execute(
                sql: "UPDATE event_source_mappings SET function = ?, qualifier = ?, config = ? WHERE uuid = ?",
                arguments: [mapping.functionName, mapping.qualifier ?? "", json, mapping.uuid])
            if db.changesCount == 0 { throw Self.mappingNotFound(mapping.uuid) }
        }
    }

    public func deleteMapping(uuid: String) async throws(GustError) {
        try await write { db in
            try db.execute(sql: "DELETE FROM event_source_mappings WHERE uuid = ?", arguments: [uuid])
            if db.changesCount == 0 { throw Self.mappingNotFound(uuid) }
        }
    }

    static func mappingNotFound(_ uuid: String) -> GustError {
        .notFound("The resource you requested does not exist. (Service: Lambda, Status Code: 404, Request ID: \(uuid))")
    }
}

extension SQLiteStore: EventInvokeConfigStore {
    public func putEventInvokeConfig(_ config: EventInvokeConfig) async throws(GustError) {
        let json = try encodeOrThrow(config)
        try await write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO event_invoke_configs (function, qualifier, config) VALUES (?, ?, ?)",
                arguments: [config.functionName, config.qualifier, json])
        }
    }

    public func eventInvokeConfig(functionName: String, qualifier: String) async throws(GustError) -> EventInvokeConfig? {
        try await read { db in
            try String.fetchOne(
                db, sql: "SELECT config FROM event_invoke_configs WHERE function = ? AND qualifier = ?",
                arguments: [functionName, qualifier]
            ).map { try Self.decode(EventInvokeConfig.self, $0) }
        }
    }

    public func eventInvokeConfigs(functionName: String) async throws(GustError) -> [EventInvokeConfig] {
        try await read { db in
            try String.fetchAll(
                db, sql: "SELECT config FROM event_invoke_configs WHERE function = ? ORDER BY qualifier", arguments: [functionName]
            ).map { try Self.decode(EventInvokeConfig.self, $0) }
        }
    }

    public func deleteEventInvokeConfig(functionName: String, qualifier: String) async throws(GustError) -> Bool {
        try await write { db in
            try db.execute(
                sql: "DELETE FROM event_invoke_configs WHERE function = ? AND qualifier = ?", arguments: [functionName, qualifier])
            return db.changesCount > 0
        }
    }
}
