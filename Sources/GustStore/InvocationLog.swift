import Foundation
import GustCore

/// The permanent record of invocations and their log text.
public protocol InvocationLog: Sendable {
    /// Stores records in one transaction.
    func record(_ records: [InvocationRecord]) async throws(GustError)
    /// Newest first; `function` nil means every function; `since` keeps records that started after it.
    func invocations(function: String?, since: Date?, limit: Int) async throws(GustError) -> [InvocationRecord]
    /// Oldest first, in the order records were stored: after `afterID` when given, else the newest
    /// `limit`. Each comes with its position, for paging (`gust logs --follow`): unlike start time,
    /// the position never lets a record that finished late slip behind the reader.
    func recordsInOrder(function: String, afterID: Int64?, limit: Int) async throws(GustError) -> [(id: Int64, record: InvocationRecord)]
    /// Deletes records older than `olderThan` and, per function, all but the newest `keepPerFunction`.
    func prune(olderThan: Date, keepPerFunction: Int) async throws(GustError) -> Int
    /// Deletes all but the newest `keepPerFunction` records of each of `functions`.
    func prune(functions: [String], keepPerFunction: Int) async throws(GustError) -> Int
}
