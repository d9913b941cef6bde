import Synchronization

/// The API port, learnt once the server listens (it may be ephemeral), for the relays.
public final class EndpointPort: Sendable {
    private let value = Mutex<Int?>(nil)

    public init() {}

    public var port: Int? { value.withLock { $0 } }

    public func set(_ port: Int) { value.withLock { $0 = port } }
}
