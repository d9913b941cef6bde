import Foundation
import GRDB
import GustCore
import GustStore

extension SQLiteStore: FunctionCredentialStore {
    public func saveCredentials(_ credentials: FunctionCredentials) async throws(GustError) {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO function_credentials (function, access_key, secret_key, session_token, created_at)
                        SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM functions WHERE name = ?)
                    """,
                arguments: [
                    credentials.functionName, credentials.accessKeyId, credentials.secretAccessKey, credentials.sessionToken,
                    Date().timeIntervalSince1970, credentials.functionName,
                ])
        }
    }

    public func allCredentials() async throws(GustError) -> [FunctionCredentials] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT function, access_key, secret_key, session_token FROM function_credentials")
                .map { row in
                    FunctionCredentials(
                        functionName: row["function"], accessKeyId: row["access_key"], secretAccessKey: row["secret_key"],
                        sessionToken: row["session_token"])
                }
        }
    }

    public func functionsWithoutCredentials() async throws(GustError) -> [String] {
        try await read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT name FROM functions
                        WHERE name NOT IN (SELECT function FROM function_credentials) ORDER BY name
                    """)
        }
    }
}
