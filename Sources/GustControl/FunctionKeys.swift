import GustCore
import GustStore
import Synchronization

/// Every function's own key, in memory: the verifier looks a key up on each signed request, and
/// the scheduler each time an instance starts, and neither may wait for the store. Kept in step
/// with the store by `FunctionService` (a key is issued when its function is created and revoked
/// when it is deleted); loaded once at start.
public final class FunctionKeys: Sendable {
    private let store: any FunctionCredentialStore
    private let table = Mutex<Table>(Table())

    private struct Table {
        var byAccessKey: [String: FunctionCredentials] = [:]
        var byFunction: [String: FunctionCredentials] = [:]

        mutating func insert(_ credentials: FunctionCredentials) {
            if let old = byFunction[credentials.functionName] { byAccessKey[old.accessKeyId] = nil }
            byFunction[credentials.functionName] = credentials
            byAccessKey[credentials.accessKeyId] = credentials
        }
    }

    public init(store: any FunctionCredentialStore) {
        self.store = store
    }

    /// Loads every key, first giving one to each function without (made before keys existed).
    public func load() async throws(GustError) {
        for name in try await store.functionsWithoutCredentials() {
            try await store.saveCredentials(.generate(for: name))
        }
        let all = try await store.allCredentials()
        table.withLock { table in
            table = Table()
            for credentials in all { table.insert(credentials) }
        }
    }

    /// Gives a new function its key. Stored before it is usable, so a key that works is never lost.
    @discardableResult
    public func issue(for functionName: String) async throws(GustError) -> FunctionCredentials {
        let credentials = FunctionCredentials.generate(for: functionName)
        try await store.saveCredentials(credentials)
        table.withLock { $0.insert(credentials) }
        return credentials
    }

    /// Forgets a deleted function's key: requests signed with it are refused from now on. The
    /// store dropped it with the function.
    public func revoke(_ functionName: String) {
        table.withLock { table in
            if let old = table.byFunction.removeValue(forKey: functionName) { table.byAccessKey[old.accessKeyId] = nil }
        }
    }

    /// The key with this access key id, nil when there is none (or no longer).
    public func credentials(accessKey: String) -> FunctionCredentials? {
        table.withLock { $0.byAccessKey[accessKey] }
    }

    public func credentials(function name: String) -> FunctionCredentials? {
        table.withLock { $0.byFunction[name] }
    }
}
