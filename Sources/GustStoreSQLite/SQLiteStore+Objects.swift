import Foundation
import GRDB
import GustObjectStore

/// Object metadata. Keys are stored as BLOBs of their UTF-8 bytes, so that SQLite's byte
/// comparison gives S3's listing order, and a prefix is the range [prefix, prefix + 0xFF)
/// (0xFF never occurs in UTF-8).
extension SQLiteStore: ObjectMetadataStore {
    public func createBucket(_ bucket: BucketRecord) async throws(S3Error) -> Bool {
        try await objectsWrite { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO buckets (name, created_at, region, acl) VALUES (?, ?, ?, ?)",
                arguments: [bucket.name, bucket.createdAt.timeIntervalSince1970, bucket.region, try bucket.acl.map(Self.encode)])
            return db.changesCount == 1
        }
    }

    public func bucket(named name: String) async throws(S3Error) -> BucketRecord? {
        try await objectsRead { db in
            try Row.fetchOne(db, sql: "SELECT * FROM buckets WHERE name = ?", arguments: [name]).map(Self.bucket)
        }
    }

    public func buckets() async throws(S3Error) -> [BucketRecord] {
        try await objectsRead { db in try Row.fetchAll(db, sql: "SELECT * FROM buckets ORDER BY name").map(Self.bucket) }
    }

    public func deleteBucket(named name: String) async throws(S3Error) -> [String] {
        try await objectsWrite { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM objects WHERE bucket = ? LIMIT 1", arguments: [name]) != nil {
                throw S3Error(.bucketNotEmpty, "The bucket you tried to delete is not empty", resource: "/\(name)")
            }
            try db.execute(sql: "DELETE FROM buckets WHERE name = ?", arguments: [name])
            if db.changesCount == 0 { throw S3Error.noSuchBucket(name) }
            let uploads = "SELECT upload_id FROM multipart_uploads WHERE bucket = ?"
            let blobs = try String.fetchAll(
                db, sql: "SELECT blob_id FROM multipart_parts WHERE upload_id IN (\(uploads))", arguments: [name])
            try db.execute(sql: "DELETE FROM multipart_parts WHERE upload_id IN (\(uploads))", arguments: [name])
            try db.execute(sql: "DELETE FROM multipart_uploads WHERE bucket = ?", arguments: [name])
            return blobs
        }
    }

    public func referencedBlobIDs() async throws(S3Error) -> Set<String> {
        try await objectsRead { db in
            Set(try String.fetchAll(db, sql: "SELECT blob_id FROM objects UNION ALL SELECT blob_id FROM multipart_parts"))
        }
    }

    public func putObject(_ object: ObjectRecord, event: ObjectEvent?) async throws(S3Error) -> (stored: ObjectRecord, replacedBlob: String?) {
        try await objectsWrite { db in try Self.putObject(db, object, event: event) }
    }

    static func putObject(_ db: Database, _ object: ObjectRecord, event: ObjectEvent?) throws -> (stored: ObjectRecord, replacedBlob: String?) {
        // One read for both: the bucket exists, and whether it has notifications to record.
        guard let notified = try Bool.fetchOne(
            db, sql: "SELECT notification IS NOT NULL FROM buckets WHERE name = ?", arguments: [object.bucket])
        else { throw S3Error.noSuchBucket(object.bucket) }
        let key = Data(object.key.utf8)
        let previous = try String.fetchOne(
            db, sql: "SELECT blob_id FROM objects WHERE bucket = ? AND key = ?", arguments: [object.bucket, key])
        var stored = object
        stored.sequencer = try nextSequencer(db)
        try db.execute(
            sql: "INSERT OR REPLACE INTO objects (bucket, key, blob_id, record) VALUES (?, ?, ?, ?)",
            arguments: [object.bucket, key, object.blobID, try encode(stored)])
        if notified, var event {
            event.size = stored.size
            event.etag = stored.etag
            event.sequencer = stored.sequencer
            event.time = stored.lastModified
            try db.execute(sql: "INSERT INTO object_events (record) VALUES (?)", arguments: [try encode(event)])
        }
        // A tagging change rewrites the same blob: nothing to delete then.
        return (stored, previous == object.blobID ? nil : previous)
    }

    public func object(bucket: String, key: String) async throws(S3Error) -> ObjectRecord? {
        try await objectsRead { db in
            try String.fetchOne(
                db, sql: "SELECT record FROM objects WHERE bucket = ? AND key = ?", arguments: [bucket, Data(key.utf8)]
            ).map { try Self.decode(ObjectRecord.self, $0) }
        }
    }

    public func deleteObject(bucket: String, key: String, event: ObjectEvent?) async throws(S3Error) -> String? {
        try await objectsWrite { db in
            let blob = try String.fetchOne(
                db, sql: "SELECT blob_id FROM objects WHERE bucket = ? AND key = ?", arguments: [bucket, Data(key.utf8)])
            try db.execute(sql: "DELETE FROM objects WHERE bucket = ? AND key = ?", arguments: [bucket, Data(key.utf8)])
            if blob != nil, var event {
                event.sequencer = try Self.nextSequencer(db)
                event.time = Date()
                try Self.recordEvent(db, event)
            }
            return blob
        }
    }

    public func setNotification(_ configuration: NotificationConfiguration?, bucket: String) async throws(S3Error) {
        try await objectsWrite { db in
            try db.execute(
                sql: "UPDATE buckets SET notification = ? WHERE name = ?", arguments: [try configuration.map(Self.encode), bucket])
            if db.changesCount == 0 { throw S3Error.noSuchBucket(bucket) }
        }
    }

    public func notification(bucket: String) async throws(S3Error) -> NotificationConfiguration? {
        try await objectsRead { db in
            try String.fetchOne(db, sql: "SELECT notification FROM buckets WHERE name = ?", arguments: [bucket])
                .map { try Self.decode(NotificationConfiguration.self, $0) }
        }
    }

    public func setBucketACL(_ acl: AccessControlList, bucket: String) async throws(S3Error) {
        try await objectsWrite { db in
            try db.execute(sql: "UPDATE buckets SET acl = ? WHERE name = ?", arguments: [try Self.encode(acl), bucket])
            if db.changesCount == 0 { throw S3Error.noSuchBucket(bucket) }
        }
    }

    public func pendingObjectEvents(limit: Int) async throws(S3Error) -> [ObjectEvent] {
        try await objectsRead { db in
            try Row.fetchAll(db, sql: "SELECT id, record FROM object_events ORDER BY id LIMIT ?", arguments: [limit]).map { row in
                var event = try Self.decode(ObjectEvent.self, row["record"] as String)
                event.id = row["id"]
                return event
            }
        }
    }

    public func deleteObjectEvent(id: Int64) async throws(S3Error) {
        try await objectsWrite { db in try db.execute(sql: "DELETE FROM object_events WHERE id = ?", arguments: [id]) }
    }

    /// Stores the event for delivery, in the caller's transaction, when the bucket has somewhere
    /// to deliver it.
    static func recordEvent(_ db: Database, _ event: ObjectEvent) throws {
        let configured = try String.fetchOne(db, sql: "SELECT notification FROM buckets WHERE name = ?", arguments: [event.bucket])
        guard configured != nil else { return }
        try db.execute(sql: "INSERT INTO object_events (record) VALUES (?)", arguments: [try encode(event)])
    }

    public func objects(bucket: String, prefix: String, after: String?, limit: Int) async throws(S3Error) -> [ObjectRecord] {
        try await objectsRead { db in
            var sql = "SELECT record FROM objects WHERE bucket = ?"
            var arguments: StatementArguments = [bucket]
            if !prefix.isEmpty {
                sql += " AND key >= ? AND key < ?"
                _ = arguments.append(contentsOf: [Data(prefix.utf8), Data(prefix.utf8) + [0xFF]])
            }
            if let after {
                sql += " AND key > ?"
                _ = arguments.append(contentsOf: [Data(after.utf8)])
            }
            sql += " ORDER BY key LIMIT ?"
            _ = arguments.append(contentsOf: [limit])
            return try String.fetchAll(db, sql: sql, arguments: arguments).map { try Self.decode(ObjectRecord.self, $0) }
        }
    }

    static func nextSequencer(_ db: Database) throws -> Int64 {
        try db.execute(sql: "UPDATE object_sequencer SET value = value + 1")
        return try Int64.fetchOne(db, sql: "SELECT value FROM object_sequencer") ?? 0
    }

    static func bucket(_ row: Row) throws -> BucketRecord {
        BucketRecord(
            name: row["name"], createdAt: Date(timeIntervalSince1970: row["created_at"]), region: row["region"],
            acl: try (row["acl"] as String?).map { try decode(AccessControlList.self, $0) })
    }

    func objectsWrite<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(S3Error) -> T {
        do {
            return try await pool.write(body)
        } catch let error as S3Error {
            throw error
        } catch {
            throw .internalError("database error: \(error)")
        }
    }

    func objectsRead<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(S3Error) -> T {
        do {
            return try await pool.read(body)
        } catch let error as S3Error {
            throw error
        } catch {
            throw .internalError("database error: \(error)")
        }
    }
}
