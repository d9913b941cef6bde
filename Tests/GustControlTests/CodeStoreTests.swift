import Foundation
import GustCore
import Testing
import ZIPFoundation

@testable import GustControl

@Suite struct CodeStoreTests {
    let root = NSTemporaryDirectory() + "gust-code-\(UUID().uuidString)"

    func makeZip(_ files: [String: String]) throws -> [UInt8] {
        let source = URL(fileURLWithPath: root + "-src-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
        for (name, content) in files {
            try content.write(to: source.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let zip = URL(fileURLWithPath: root + "-\(UUID().uuidString).zip")
        try FileManager.default.zipItem(at: source, to: zip, shouldKeepParent: false)
        return Array(try Data(contentsOf: zip))
    }

    @Test func storesUnpacksAndDeduplicates() throws {
        let store = try CodeStore(root: root)
        let zip = try makeZip(["app.py": "def handler(e, c): return 1\n", "bootstrap": "#!/bin/sh\n"])
        let stored = try store.store(zip: zip)
        #expect(stored.size == zip.count)
        #expect(stored.codeID.count == 64)
        let directory = store.directory(for: stored.codeID)
        #expect(FileManager.default.fileExists(atPath: directory + "/app.py"))
        #expect(FileManager.default.isExecutableFile(atPath: directory + "/bootstrap"))
        #expect(try store.store(zip: zip) == stored)
    }

    @Test func rejectsBytesThatAreNotAZip() throws {
        let store = try CodeStore(root: root)
        do {
            _ = try store.store(zip: Array("definitely not a zip".utf8))
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .invalidParameterValue)
            #expect(error.message.contains("Could not unzip"))
        }
        do {
            _ = try store.store(zip: [0x50, 0x4B, 0x03, 0x04, 0, 0, 0])
            Issue.record("expected an error for a truncated zip")
        } catch {
            #expect(error.code == .invalidParameterValue)
        }
    }
}
