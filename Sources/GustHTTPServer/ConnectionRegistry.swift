import NIOCore
import Synchronization

/// One listener's open connections, to cap them: past `maxConnections`, or when fewer than
/// `fdReserve` descriptors would stay free, a new connection sheds the oldest idle one (no
/// request owed an answer), or is refused when none is idle. So a flood of idle connections
/// churns on its own port and never takes the descriptors the other ports need.
public final class ConnectionRegistry: Sendable {
    private struct Entry {
        let channel: any Channel
        let order: UInt64
        var idle = true
    }
    private struct State {
        var entries: [ObjectIdentifier: Entry] = [:]
        var next: UInt64 = 0
        var shed = 0
        var refused = 0
    }

    public let settings: ListenerSettings
    private let descriptors: FileDescriptors
    private let state = Mutex(State())

    public init(settings: ListenerSettings, descriptors: FileDescriptors = .shared) {
        self.settings = settings
        self.descriptors = descriptors
    }

    public var count: Int { state.withLock { $0.entries.count } }
    /// Connections shed and refused so far (for logs and tests).
    public var shedAndRefused: (shed: Int, refused: Int) { state.withLock { ($0.shed, $0.refused) } }

    /// Registers a connection just accepted; false when it must be closed at once. It leaves
    /// the registry when it closes.
    public func admit(_ channel: any Channel) -> Bool {
        let free = descriptors.free()
        let victim: (any Channel)? = state.withLock { state in
            var victim: (any Channel)?
            if state.entries.count >= settings.maxConnections || free < settings.fdReserve {
                guard let oldest = state.entries.filter({ $0.value.idle }).min(by: { $0.value.order < $1.value.order })
                else {
                    state.refused += 1
                    return nil
                }
                state.entries[oldest.key] = nil
                state.shed += 1
                victim = oldest.value.channel
            }
            state.entries[ObjectIdentifier(channel)] = Entry(channel: channel, order: state.next)
            state.next += 1
            return victim ?? channel
        }
        guard let victim else {
            descriptors.released()
            return false
        }
        if victim !== channel { victim.close(promise: nil) }
        channel.closeFuture.whenComplete { [weak self] _ in
            self?.descriptors.released()
            self?.state.withLock { _ = $0.entries.removeValue(forKey: ObjectIdentifier(channel)) }
        }
        return true
    }

    /// Whether `channel` may be shed: it owes no answer.
    public func setIdle(_ channel: any Channel, _ idle: Bool) {
        state.withLock { state in
            state.entries[ObjectIdentifier(channel)]?.idle = idle
        }
    }
}
