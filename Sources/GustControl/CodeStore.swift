import Crypto
import Foundation
import GustCore
import ZIPFoundation

/// Function code, content-addressed under `<data>/code/<sha256>`: the zip as uploaded and the tree
/// unpacked from it. Unpacking goes to a temporary directory that is renamed into place, so a
/// crash never leaves a half-unpacked version behind, and versions that share code share a tree.
public struct CodeStore: Sendable {
    public let root: String
    /// Lambda's limit for unpacked code.
    public static let maxUnpackedBytes: UInt64 = 250 * 1024 * 1024

    public init(root: String) throws(GustError) {
        self.root = root
        do {
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        } catch {
            throw .internalError("cannot create code directory \(root): \(error)")
        }
    }

    public struct StoredCode: Sendable, Equatable {
        public var codeID: String
        public var sha256Base64: String
        public var size: Int
    }

    public func directory(for codeID: String) -> String { "\(root)/\(codeID)" }
    public func zipPath(for codeID: String) -> String { "\(root)/\(codeID).zip" }

    public func store(zip: [UInt8]) throws(GustError) -> StoredCode {
        let digest = SHA256.hash(data: zip)
        let codeID = digest.map { String(format: "%02x", $0) }.joined()
        let stored = StoredCode(codeID: codeID, sha256Base64: Data(digest).base64EncodedString(), size: zip.count)
        let fm = FileManager.default
        if fm.fileExists(atPath: directory(for: codeID)) { return stored }
        guard zip.count >= 4, zip[0] == 0x50, zip[1] == 0x4B else { throw Self.unzipError }

        let staging = "\(root)/.staging-\(UUID().uuidString)"
        let stagingZip = staging + ".zip"
        defer {
            try? fm.removeItem(atPath: staging)
            try? fm.removeItem(atPath: stagingZip)
        }
        do {
            try Data(zip).write(to: URL(fileURLWithPath: stagingZip), options: .atomic)
            let archive = try Archive(url: URL(fileURLWithPath: stagingZip), accessMode: .read)
            var total: UInt64 = 0
            for entry in archive {
                total += entry.uncompressedSize
                guard total <= Self.maxUnpackedBytes else {
                    throw GustError.invalid("Unzipped size must be smaller than \(Self.maxUnpackedBytes) bytes")
                }
                // Refuse entries that would land outside the tree (zip slip).
                let components = entry.path.split(separator: "/")
                guard !entry.path.hasPrefix("/"), !components.contains("..") else {
                    throw GustError.invalid("Zip entry \(entry.path) points outside the code directory")
                }
            }
            try fm.createDirectory(atPath: staging, withIntermediateDirectories: true)
            try fm.unzipItem(at: URL(fileURLWithPath: stagingZip), to: URL(fileURLWithPath: staging))
        } catch let error as GustError {
            throw error
        } catch {
            throw Self.unzipError
        }
        // A `bootstrap` must be executable even when the zip tool dropped the mode bits.
        let bootstrap = "\(staging)/bootstrap"
        if fm.fileExists(atPath: bootstrap) { chmod(bootstrap, 0o755) }
        do {
            try fm.moveItem(atPath: stagingZip, toPath: zipPath(for: codeID))
            try fm.moveItem(atPath: staging, toPath: directory(for: codeID))
        } catch {
            if fm.fileExists(atPath: directory(for: codeID)) { return stored }
            throw .internalError("cannot store code: \(error)")
        }
        return stored
    }

    static let unzipError = GustError.invalid(
        "Could not unzip uploaded file. Please check your file, then try to upload again.")
}
