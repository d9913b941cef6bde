import Foundation
import GustCore

/// The permanent record of invocations and their log text.
public protocol InvocationLog: Sendable {
    /// Stores records in one transaction.
    func record(_ records: [InvocationRecord]) async throws(GustError)
    /// Newest first; `function` nil means every function; `since` keeps records that started after it.
    func invocations(function: String?, since: Date?, limit: Int) async throws(GustError) -> [InvocationRecord]
    /// Deletes records older than `olderThan` and, per function, all but the newest `keepPerFunction`.
    func prune(olderThan: Date, keepPerFunction: Int) async throws(GustError) -> Int
}
