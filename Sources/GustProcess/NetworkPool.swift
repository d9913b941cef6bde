import Foundation
import GustCore
import Logging
import Synchronization

/// Keeps a few network namespaces ready, as `SparePool` keeps shells: making one costs a few ms
/// (and attaching pasta for `egress` some 40 ms) that a cold start should not pay. Two kinds:
/// with pasta (`egress`) and without (`none`, `gust-only`). Filled once the API port is known
/// (the endpoint socket inside is bound to its number), refilled in the background after each use.
final class NetworkPool: Sendable {
    private let endpoint: EndpointPort
    private let pasta: String?
    private let pinDirectory: String
    private let capacity: Int
    private let logger: Logger
    /// Where a shell parked in each spare namespace is given its cgroups; nil without cgroups.
    private let limiter: MemoryLimiter?
    private let nsenter: String
    private let state = Mutex(State())

    private struct State {
        var ready: [Bool: [NetworkNamespace]] = [false: [], true: []]
        var filling: [Bool: Int] = [false: 0, true: 0]
        var closed = false
    }

    init(
        endpoint: EndpointPort, pasta: String?, nsenter: String, limiter: MemoryLimiter?, pinDirectory: String, capacity: Int = 2,
        logger: Logger
    ) {
        self.limiter = limiter
        self.nsenter = nsenter
        self.endpoint = endpoint
        self.pasta = pasta
        self.pinDirectory = pinDirectory
        self.capacity = capacity
        self.logger = logger
        try? FileManager.default.createDirectory(atPath: pinDirectory, withIntermediateDirectories: true)
        NetworkNamespace.removeStalePins(in: pinDirectory)
    }

    /// A namespace for `policy`: a ready one, else one made now. Refills either way, shortly after.
    func take(_ policy: NetworkPolicy) async throws(GustError) -> NetworkNamespace {
        let egress = policy == .egress && pasta != nil
        let spare = state.withLock { state in state.ready[egress]?.popLast() }
        // Later, not now: making a replacement (pasta's start above all) would compete for the
        // CPU with the cold start that took this one.
        Task {
            try? await Task.sleep(for: .milliseconds(250))
            refill()
        }
        if let spare {
            if policy == .none, let socket = spare.takeEndpointSocket() { Foundation.close(socket) }
            return spare
        }
        return try await make(egress: egress, endpointPort: policy == .none ? nil : endpoint.port)
    }

    /// Starts preparing namespaces up to capacity (no-op until the API port is known).
    func refill() {
        guard let port = endpoint.port else { return }
        let jobs: [Bool] = state.withLock { state in
            guard !state.closed else { return [] }
            var jobs: [Bool] = []
            for egress in [false, true] where !egress || pasta != nil {
                while state.ready[egress, default: []].count + state.filling[egress, default: 0] < capacity {
                    state.filling[egress, default: 0] += 1
                    jobs.append(egress)
                }
            }
            return jobs
        }
        for egress in jobs {
            Task.detached { [self] in
                let made = try? await make(egress: egress, endpointPort: port)
                if let made { await parkShell(in: made, name: "netspare-\(UUID().uuidString.prefix(8).lowercased())") }
                let keep = state.withLock { state -> Bool in
                    state.filling[egress, default: 1] -= 1
                    guard let made, !state.closed else { return false }
                    state.ready[egress, default: []].append(made)
                    return true
                }
                if !keep { made?.close() }
            }
        }
    }

    private func make(egress: Bool, endpointPort: Int?) async throws(GustError) -> NetworkNamespace {
        let namespace = try NetworkNamespace.make(endpointPort: endpointPort)
        guard egress, let pasta else { return namespace }
        let file = "\(pinDirectory)/\(namespace.descriptor)-\(UUID().uuidString.prefix(8))"
        // pasta's start blocks a thread for its whole setup: keep it off the cooperative pool.
        let failure = await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: namespace.attachEgress(pasta: pasta, pinAt: file)) }
        }
        if let failure { logger.warning("pasta did not start (\(failure)): an egress instance reaches Gust only") }
        return namespace
    }

    /// Starts a spare shell inside a spare namespace: a cold start that takes the namespace then
    /// pays neither the namespace's entry nor the cgroup joins.
    private func parkShell(in namespace: NetworkNamespace, name: String) async {
        guard let limiter else { return }
        let enter = [nsenter, "--net=\(namespace.path)"]
        let spare = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let spare = SpareProcess.spawn(limiter: limiter, name: name, enter: enter)
                continuation.resume(returning: spare?.waitUntilReady() == true ? spare : nil)
            }
        }
        if let spare { namespace.park(spare) }
    }

    func close() {
        let spares = state.withLock { state in
            state.closed = true
            defer { state.ready = [:] }
            return state.ready.values.flatMap { $0 }
        }
        for spare in spares { spare.close() }
    }
}
