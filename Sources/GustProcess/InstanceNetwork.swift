import GustCore
import NIOCore

/// An instance's own network (`NetworkNamespace`) and what serves it: Gust's endpoint relayed in,
/// and `pasta` for `egress`. The Runtime API's socket is served by the instance's listener.
final class InstanceNetwork: Sendable {
    let namespace: NetworkNamespace
    let relay: (any Channel)?

    private init(namespace: NetworkNamespace, relay: (any Channel)?) {
        self.namespace = namespace
        self.relay = relay
    }

    static func make(
        policy: NetworkPolicy, pool: NetworkPool, endpoint: EndpointPort, eventLoop: any EventLoop
    ) async throws(GustError) -> InstanceNetwork {
        let namespace = try await pool.take(policy)
        var relay: (any Channel)?
        if let port = endpoint.port, let socket = namespace.takeEndpointSocket() {
            do {
                relay = try await EndpointRelay.start(socket: socket, targetPort: port, group: eventLoop)
            } catch {
                namespace.close()
                throw .internalError("cannot serve Gust's endpoint in the instance's network: \(error)")
            }
        }
        return InstanceNetwork(namespace: namespace, relay: relay)
    }

    func close() async {
        try? await relay?.close()
        namespace.close()
    }
}
