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
        let slot: ConnectionSlot
    }
    private struct State {
        var entries: [ObjectIdentifier: Entry] = [:]
        var next: UInt64 = 0
    }

    public let settings: ListenerSettings
    private let descriptors: FileDescriptors
    private let state = Mutex(State())

    public init(settings: ListenerSettings, descriptors: FileDescriptors = .shared) {
        self.settings = settings
        self.descriptors = descriptors
    }

    public var count: Int { state.withLock { $0.entries.count } }

    /// Registers a connection just accepted; nil when it must be closed at once. It leaves the
    /// registry when it closes. Over the cap, or below the descriptor reserve, it sheds as many
    /// of the oldest idle connections as it takes to be back within both (one at a time would
    /// leave the deficit in place until idle timeouts fired), or refuses when none is idle.
    public func admit(_ channel: any Channel) -> ConnectionSlot? {
        let free = descriptors.free()
        let admitted: (ConnectionSlot, [any Channel])? = state.withLock { state in
            let excess = max(state.entries.count + 1 - settings.maxConnections, settings.fdReserve - free, 0)
            var victims: [any Channel] = []
            if excess > 0 {
                let candidates = state.entries.lazy.filter { $0.value.slot.isIdle }
                // At the cap the usual deficit is one: a linear scan for the oldest, not a sort
                // of up to ten thousand entries on every accept.
                let idle =
                    excess == 1
                    ? Array(candidates.min { $0.value.order < $1.value.order }.map { [$0] } ?? [])
                    : Array(candidates.sorted { $0.value.order < $1.value.order }.prefix(excess))
                guard !idle.isEmpty else { return nil }
                for (key, entry) in idle {
                    state.entries[key] = nil
                    victims.append(entry.channel)
                }
            }
            let slot = ConnectionSlot()
            state.entries[ObjectIdentifier(channel)] = Entry(channel: channel, order: state.next, slot: slot)
            state.next += 1
            return (slot, victims)
        }
        guard let (slot, victims) = admitted else {
            descriptors.released()
            return nil
        }
        for victim in victims { victim.close(promise: nil) }
        channel.closeFuture.whenComplete { [weak self] _ in
            self?.descriptors.released()
            self?.state.withLock { _ = $0.entries.removeValue(forKey: ObjectIdentifier(channel)) }
        }
        return slot
    }
}

/// One admitted connection's state that shedding reads: whether it owes no answer. Set by its
/// guard on every request without the registry's lock (the warm path crosses it twice).
public final class ConnectionSlot: Sendable {
    private let idle = Atomic<Bool>(true)

    public var isIdle: Bool { idle.load(ordering: .relaxed) }

    public func setIdle(_ value: Bool) { idle.store(value, ordering: .relaxed) }
}
