import Foundation
import GustCore
import GustStore
import Testing

@testable import GustStoreSQLite

@Suite struct RouteStoreTests {
    let store: SQLiteStore

    init() throws {
        let directory = NSTemporaryDirectory() + "gust-routes-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        store = try SQLiteStore(path: directory + "/gust.sqlite")
    }

    func function(_ name: String) async throws {
        try await store.createFunction(
            FunctionConfiguration(name: name, runtime: "wasm", handler: "f.wasm", codeSha256: "s", codeID: "c", codeSize: 1))
    }

    @Test func routesAreReplacedPerFunctionAndARefusedChangeLeavesThemAsTheyWere() async throws {
        try await function("a")
        try await function("b")
        let first = [HTTPRoute(functionName: "a", method: "GET", path: "/x", auth: RouteAuth(kind: .apiKey))]
        try await store.replaceRoutes(of: "a", with: first) { _ throws(GustError) in }
        try await store.replaceRoutes(of: "b", with: [HTTPRoute(functionName: "b", method: "GET", path: "/y")]) { _ throws(GustError) in }
        #expect(try await store.routes().count == 2)
        #expect(try await store.routes().first { $0.functionName == "a" } == first[0])
        await #expect(throws: GustError.self) {
            try await store.replaceRoutes(of: "a", with: []) { _ throws(GustError) in throw GustError.invalid("refused") }
        }
        #expect(try await store.routes().count == 2)
        try await store.deleteFunction("a")
        #expect(try await store.routes().map(\.functionName) == ["b"])
        await #expect(throws: GustError.self) {
            try await store.replaceRoutes(of: "missing", with: []) { _ throws(GustError) in }
        }
    }

    @Test func apiKeysAndFunctionURLs() async throws {
        try await store.createAPIKey(APIKey(id: "key-1", name: "ci", sha256: "abc"))
        #expect(try await store.apiKeys().map(\.sha256) == ["abc"])
        try await store.deleteAPIKey(id: "key-1")
        await #expect(throws: GustError.self) { try await store.deleteAPIKey(id: "key-1") }

        try await function("f")
        let config = FunctionURLConfig(functionName: "f", qualifier: nil, authType: .none, cors: RouteCORS())
        try await store.putFunctionURL(config, create: true)
        await #expect(throws: GustError.self) { try await store.putFunctionURL(config, create: true) }
        var updated = config
        updated.authType = .awsIAM
        try await store.putFunctionURL(updated, create: false)
        #expect(try await store.functionURLs().map(\.authType) == [.awsIAM])
        try await store.deleteFunction("f")
        #expect(try await store.functionURLs().isEmpty)
    }
}
