import Foundation
import GRDB
import GustCore
import GustStore

/// The embedded store: one SQLite database in WAL mode under the data directory, serving every
/// store protocol. GRDB's `DatabasePool` gives concurrent readers beside the single writer.
public final class SQLiteStore: Sendable {
    let pool: DatabasePool

    public init(path: String) throws(GustError) {
        do {
            var configuration = Configuration()
            configuration.busyMode = .timeout(10)
            // WAL with synchronous=NORMAL: a commit survives the process being killed (what the
            // async queue promises), without an fsync per invocation record.
            configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
            pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(pool)
        } catch {
            throw .internalError("cannot open database at \(path): \(error)")
        }
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(GustError) -> T {
        do {
            return try await pool.write(body)
        } catch let error as GustError {
            throw error
        } catch {
            throw .internalError("database error: \(error)")
        }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(GustError) -> T {
        do {
            return try await pool.read(body)
        } catch let error as GustError {
            throw error
        } catch {
            throw .internalError("database error: \(error)")
        }
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .millisecondsSince1970
        encoder.outputFormatting = .sortedKeys
        return encoder
    }()

    static func encode<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        return try decoder.decode(type, from: Data(text.utf8))
    }
}
