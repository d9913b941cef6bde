import Foundation
import GustCore

/// The durable queue behind `Event` invocations: an event is committed here before the caller gets
/// its 202, and leaves only when it succeeded or ran out of attempts.
public protocol AsyncEventQueue: Sendable {
    /// Stores the event; `false` when an event with the same request id is already queued (dedup).
    func enqueue(_ event: AsyncEvent) async throws(GustError) -> Bool
    /// Takes up to `limit` due events and leases them until `now + lease`; an event whose lease lapsed
    /// (its worker died with the server) is due again.
    func claim(limit: Int, now: Date, lease: TimeInterval) async throws(GustError) -> [AsyncEvent]
    func complete(_ id: Int64) async throws(GustError)
    func reschedule(_ id: Int64, attempts: Int, notBefore: Date) async throws(GustError)
    /// Gives up on an event, keeping it in the dead-letter table with the reason.
    func deadLetter(_ id: Int64, attempts: Int, reason: String) async throws(GustError)
    /// Makes every leased event due again. Only for a store served by a single node, at its start.
    func releaseLeases() async throws(GustError)
    func pendingCount() async throws(GustError) -> Int
}
