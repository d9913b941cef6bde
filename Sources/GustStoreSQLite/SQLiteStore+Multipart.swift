import Foundation
import GRDB
import GustObjectStore

/// Multipart uploads in progress and their parts; completing one writes the object and forgets the
/// upload in the same transaction, so a crash leaves either the upload or the object.
extension SQLiteStore: MultipartStore {
    public func createUpload(_ upload: MultipartUpload) async throws(S3Error) {
        try await objectsWrite { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM buckets WHERE name = ?", arguments: [upload.bucket]) != nil else {
                throw S3Error.noSuchBucket(upload.bucket)
            }
            try db.execute(
                sql: "INSERT INTO multipart_uploads (upload_id, bucket, key, record) VALUES (?, ?, ?, ?)",
                arguments: [upload.uploadID, upload.bucket, Data(upload.key.utf8), try Self.encode(upload)])
        }
    }

    public func upload(id: String) async throws(S3Error) -> MultipartUpload? {
        try await objectsRead { db in
            try String.fetchOne(db, sql: "SELECT record FROM multipart_uploads WHERE upload_id = ?", arguments: [id])
                .map { try Self.decode(MultipartUpload.self, $0) }
        }
    }

    public func uploads(bucket: String, prefix: String, after: (key: String, uploadID: String?)?, limit: Int) async throws(S3Error)
        -> [MultipartUpload]
    {
        let marker = after.map { (Data($0.key.utf8), $0.uploadID) }
        return try await objectsRead { db in
            var sql = "SELECT record FROM multipart_uploads WHERE bucket = ?"
            var arguments: StatementArguments = [bucket]
            if !prefix.isEmpty {
                sql += " AND key >= ? AND key < ?"
                _ = arguments.append(contentsOf: [Data(prefix.utf8), Data(prefix.utf8) + [0xFF]])
            }
            if let (key, uploadID) = marker {
                if let uploadID {
                    sql += " AND (key > ? OR (key = ? AND upload_id > ?))"
                    _ = arguments.append(contentsOf: [key, key, uploadID])
                } else {
                    sql += " AND key > ?"
                    _ = arguments.append(contentsOf: [key])
                }
            }
            sql += " ORDER BY key, upload_id LIMIT ?"
            _ = arguments.append(contentsOf: [limit])
            return try String.fetchAll(db, sql: sql, arguments: arguments).map { try Self.decode(MultipartUpload.self, $0) }
        }
    }

    public func putPart(_ part: PartRecord) async throws(S3Error) -> String? {
        try await objectsWrite { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM multipart_uploads WHERE upload_id = ?", arguments: [part.uploadID]) != nil
            else { throw S3Error.noSuchUpload(part.uploadID) }
            let previous = try String.fetchOne(
                db, sql: "SELECT blob_id FROM multipart_parts WHERE upload_id = ? AND number = ?", arguments: [part.uploadID, part.number])
            try db.execute(
                sql: "INSERT OR REPLACE INTO multipart_parts (upload_id, number, blob_id, record) VALUES (?, ?, ?, ?)",
                arguments: [part.uploadID, part.number, part.blobID, try Self.encode(part)])
            return previous
        }
    }

    public func parts(uploadID: String, after: Int, limit: Int) async throws(S3Error) -> [PartRecord] {
        try await objectsRead { db in
            try String.fetchAll(
                db, sql: "SELECT record FROM multipart_parts WHERE upload_id = ? AND number > ? ORDER BY number LIMIT ?",
                arguments: [uploadID, after, limit]
            ).map { try Self.decode(PartRecord.self, $0) }
        }
    }

    public func abortUpload(id: String) async throws(S3Error) -> [String] {
        try await objectsWrite { db in try Self.forgetUpload(db, id) }
    }

    public func completeUpload(id: String, object: ObjectRecord, event: ObjectEvent?) async throws(S3Error)
        -> (stored: ObjectRecord, replacedBlob: String?, partBlobs: [String])
    {
        try await objectsWrite { db in
            let parts = try Self.forgetUpload(db, id)
            let (stored, replaced) = try Self.putObject(db, object, event: event)
            let now = Date().timeIntervalSince1970
            try db.execute(sql: "DELETE FROM multipart_completed WHERE completed_at < ?", arguments: [now - 86400])
            try db.execute(
                sql: "INSERT OR REPLACE INTO multipart_completed (upload_id, bucket, key, etag, completed_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [id, object.bucket, Data(object.key.utf8), stored.etag, now])
            return (stored, replaced, parts)
        }
    }

    public func completedUpload(id: String) async throws(S3Error) -> (bucket: String, key: String, etag: String)? {
        try await objectsRead { db in
            try Row.fetchOne(db, sql: "SELECT bucket, key, etag FROM multipart_completed WHERE upload_id = ?", arguments: [id]).map { row in
                (row["bucket"], String(decoding: row["key"] as Data, as: UTF8.self), row["etag"])
            }
        }
    }

    /// Deletes the upload and its parts; returns the parts' blobs.
    static func forgetUpload(_ db: Database, _ id: String) throws -> [String] {
        try db.execute(sql: "DELETE FROM multipart_uploads WHERE upload_id = ?", arguments: [id])
        guard db.changesCount == 1 else { throw S3Error.noSuchUpload(id) }
        let blobs = try String.fetchAll(db, sql: "SELECT blob_id FROM multipart_parts WHERE upload_id = ?", arguments: [id])
        try db.execute(sql: "DELETE FROM multipart_parts WHERE upload_id = ?", arguments: [id])
        return blobs
    }
}
