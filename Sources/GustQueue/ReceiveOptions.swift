import Foundation

/// What `ReceiveMessage` asks for.
public struct ReceiveOptions: Sendable {
    public var maxMessages: Int
    public var visibilitySeconds: Int?
    public var waitSeconds: Int?
    /// When to give up waiting, finer than `waitSeconds` (an event source's batching window).
    public var waitUntil: Date?

    public init(maxMessages: Int = 1, visibilitySeconds: Int? = nil, waitSeconds: Int? = nil, waitUntil: Date? = nil) {
        self.maxMessages = maxMessages
        self.visibilitySeconds = visibilitySeconds
        self.waitSeconds = waitSeconds
        self.waitUntil = waitUntil
    }
}
