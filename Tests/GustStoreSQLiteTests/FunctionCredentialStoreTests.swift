import Foundation
import GustControl
import GustCore
import GustStore
import Testing

@testable import GustStoreSQLite

@Suite struct FunctionCredentialStoreTests {
    let store: SQLiteStore

    init() throws {
        let directory = NSTemporaryDirectory() + "gust-credentials-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        store = try SQLiteStore(path: directory + "/gust.sqlite")
    }

    func create(_ name: String) async throws {
        try await store.createFunction(
            FunctionConfiguration(name: name, runtime: "python3.12", handler: "app.handler", codeSha256: "s", codeID: "i", codeSize: 1))
    }

    @Test("a key is stored for an existing function only, and goes with its function")
    func lifecycle() async throws {
        try await create("a")
        try await create("b")
        #expect(try await store.functionsWithoutCredentials() == ["a", "b"])
        let key = FunctionCredentials.generate(for: "a")
        try await store.saveCredentials(key)
        try await store.saveCredentials(.generate(for: "gone"))
        #expect(try await store.allCredentials() == [key])
        #expect(try await store.functionsWithoutCredentials() == ["b"])
        try await store.deleteFunction("a")
        #expect(try await store.allCredentials() == [])
    }

    @Test("the key table issues, backfills, looks up both ways and revokes")
    func keyTable() async throws {
        try await create("old")
        try await create("new")
        let keys = FunctionKeys(store: store)
        try await keys.load()  // both had none: the load gives them one
        let old = try #require(keys.credentials(function: "old"))
        #expect(keys.credentials(accessKey: old.accessKeyId) == old)
        let reissued = try await keys.issue(for: "new")
        #expect(keys.credentials(function: "new") == reissued)
        #expect(Set(try await store.allCredentials()) == [old, reissued])

        try await store.deleteFunction("old")
        keys.revoke("old")
        #expect(keys.credentials(accessKey: old.accessKeyId) == nil)
        #expect(keys.credentials(function: "old") == nil)

        let reloaded = FunctionKeys(store: store)
        try await reloaded.load()
        #expect(reloaded.credentials(accessKey: reissued.accessKeyId) == reissued)
        #expect(reloaded.credentials(accessKey: old.accessKeyId) == nil)
    }
}
