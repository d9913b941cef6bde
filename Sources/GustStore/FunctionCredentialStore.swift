import GustCore

/// The functions' own keys (`FunctionCredentials`). A key lives exactly as long as its function:
/// `FunctionStore.deleteFunction` removes it in the same transaction.
public protocol FunctionCredentialStore: Sendable {
    /// Stores a function's key, replacing the one it had; nothing when the function is gone.
    func saveCredentials(_ credentials: FunctionCredentials) async throws(GustError)
    /// Every function's key, for the table signatures are checked against.
    func allCredentials() async throws(GustError) -> [FunctionCredentials]
    /// Functions that have no key: made before keys existed, or whose key could not be stored.
    func functionsWithoutCredentials() async throws(GustError) -> [String]
}
