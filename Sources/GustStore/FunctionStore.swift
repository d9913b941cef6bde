import GustCore

/// Functions, their published versions, aliases and reserved concurrency. Implementations throw
/// `GustError` for conditions a client caused (not found, conflict) and for storage faults
/// (`.service`), so the gateway can render every failure.
public protocol FunctionStore: Sendable {
    /// Inserts a new function's `$LATEST`; `.resourceConflict` if the name exists.
    func createFunction(_ config: FunctionConfiguration) async throws(GustError)
    func latest(_ name: String) async throws(GustError) -> FunctionConfiguration?
    /// Replaces `$LATEST`; `.resourceNotFound` if the function is gone.
    func updateLatest(_ config: FunctionConfiguration) async throws(GustError)
    /// Removes the function with every version, alias and setting.
    func deleteFunction(_ name: String) async throws(GustError)
    /// `$LATEST` of each function in name order, starting after `marker`.
    func listFunctions(after marker: String?, limit: Int) async throws(GustError) -> [FunctionConfiguration]

    /// Freezes `$LATEST` as the next version number. When `$LATEST` is unchanged since the last
    /// version, returns that version instead (as Lambda does).
    func publishVersion(_ name: String, description: String?) async throws(GustError) -> FunctionConfiguration
    func version(_ name: String, _ version: String) async throws(GustError) -> FunctionConfiguration?
    /// `$LATEST` first, then published versions in ascending order.
    func versions(_ name: String) async throws(GustError) -> [FunctionConfiguration]

    func createAlias(_ alias: Alias) async throws(GustError)
    func updateAlias(_ alias: Alias) async throws(GustError)
    func alias(_ functionName: String, _ name: String) async throws(GustError) -> Alias?
    func aliases(_ functionName: String) async throws(GustError) -> [Alias]
    func deleteAlias(_ functionName: String, _ name: String) async throws(GustError)

    func reservedConcurrency(_ functionName: String) async throws(GustError) -> Int?
    func setReservedConcurrency(_ functionName: String, _ value: Int?) async throws(GustError)
}
