/// What `ReceiveMessage` asks for.
public struct ReceiveOptions: Sendable {
    public var maxMessages: Int
    public var visibilitySeconds: Int?
    public var waitSeconds: Int?

    public init(maxMessages: Int = 1, visibilitySeconds: Int? = nil, waitSeconds: Int? = nil) {
        self.maxMessages = maxMessages
        self.visibilitySeconds = visibilitySeconds
        self.waitSeconds = waitSeconds
    }
}
