import CNetns
import Foundation
import GustCore
import Synchronization

/// One instance's network namespace (policies `none`, `gust-only`, `egress`): only loopback, on
/// which Gust listens from outside, through sockets it opened in there: the Runtime API always, and
/// Gust's own endpoint (a relay to the API port) unless the policy is `none`. For `egress`, `pasta`
/// gives the namespace a route out through the host's sockets, without mapping the host's loopback.
final class NetworkNamespace: Sendable {
    /// Inside the namespace nothing else listens, so the Runtime API's port can be fixed.
    static let runtimePort = 9001

    let descriptor: Int32
    /// Listening on `runtimePort` inside; taken by the Runtime API listener.
    private let runtime: Mutex<Int32?>
    /// Listening on the API port's number inside; taken (set to nil) by the relay or closed.
    private let endpoint: Mutex<Int32?>
    /// The bind mount pasta opens the namespace by; pasta quits when it is gone.
    private let pinned: Mutex<String?>
    /// `close` may be reached twice (a failed launch, then the instance's stop): a descriptor
    /// closed twice could be someone else's by then.
    private let closed = Atomic<Bool>(false)
    /// A spare shell already inside this namespace (and in fresh cgroups), when the pool made one.
    private let shell = Mutex<SpareProcess?>(nil)

    func park(_ spare: SpareProcess) { shell.withLock { $0 = spare } }

    /// The shell parked inside, handed over once.
    func takeShell() -> SpareProcess? {
        shell.withLock { state in
            defer { state = nil }
            return state
        }
    }

    /// The namespace as a path a root shell can enter (`nsenter --net=…`) while Gust holds it open.
    var path: String { pinned.withLock { $0 } ?? "/proc/\(getpid())/fd/\(descriptor)" }

    private init(descriptor: Int32, runtimeSocket: Int32, endpointSocket: Int32?) {
        self.descriptor = descriptor
        self.runtime = Mutex(runtimeSocket)
        self.endpoint = Mutex(endpointSocket)
        self.pinned = Mutex(nil)
    }

    /// `endpointPort`: where Gust's endpoint appears inside (the API port's number, so that
    /// `http://127.0.0.1:PORT` means Gust inside and out); nil for none.
    static func make(endpointPort: Int?) throws(GustError) -> NetworkNamespace {
        var ports = [Int32(runtimePort)]
        if let endpointPort { ports.append(Int32(endpointPort)) }
        var sockets = [Int32](repeating: -1, count: ports.count)
        let rc = gust_netns_make(ports, Int32(ports.count), &sockets)
        guard rc >= 0 else {
            throw .internalError("cannot make a network namespace: \(String(cString: strerror(-rc)))")
        }
        return NetworkNamespace(descriptor: rc, runtimeSocket: sockets[0], endpointSocket: endpointPort == nil ? nil : sockets[1])
    }

    func takeRuntimeSocket() -> Int32? {
        runtime.withLock { socket in
            defer { socket = nil }
            return socket
        }
    }

    /// The endpoint's listening socket, for the relay; nil when there is none.
    func takeEndpointSocket() -> Int32? {
        endpoint.withLock { socket in
            defer { socket = nil }
            return socket
        }
    }

    /// Starts `pasta` on the namespace for outbound traffic and waits until it has configured
    /// it (pasta's parent exits once the namespace is ready; the daemon stays). Slow (tens of
    /// ms): called when a spare is prepared, off the cold-start path. Blocks; call off the
    /// cooperative pool.
    /// nil when it worked, else why not.
    func attachEgress(pasta: String, pinAt file: String) -> String? {
        guard FileManager.default.createFile(atPath: file, contents: nil) else { return "cannot create \(file)" }
        let rc = gust_netns_pin(descriptor, file)
        guard rc == 0 else {
            unlink(file)
            return "cannot pin the namespace: \(String(cString: strerror(-rc)))"
        }
        pinned.withLock { $0 = file }
        // pasta drops root for nobody by default, who may not enter a namespace the host owns.
        // No port forwarding either way; the host's loopback is not mapped in.
        let arguments = [
            pasta, "--runas", "0:0", "--netns", file, "--config-net", "--no-map-gw", "-q", "-t", "none", "-u", "none", "-T", "none",
            "-U", "none",
        ]
        let status = Self.run(arguments)
        return status == 0 ? nil : "pasta exited with status \(status)"
    }

    /// Runs a helper and waits for it (`gust_spawn_wait`).
    static func run(_ arguments: [String]) -> Int32 {
        let argv = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        return argv.withUnsafeBufferPointer { gust_spawn_wait($0.baseAddress!, 10) }
    }

    /// Closes what is left of the namespace: unused sockets, the descriptor, the pin (pasta then
    /// quits). The kernel frees the namespace once the instance is gone too.
    func close() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        if let spare = takeShell() {
            spare.kill()
            Task { await spare.cgroup.remove() }
        }
        if let socket = takeEndpointSocket() { Foundation.close(socket) }
        if let socket = takeRuntimeSocket() { Foundation.close(socket) }
        if let file = pinned.withLock({ state -> String? in
            defer { state = nil }
            return state
        }) {
            gust_netns_unpin(file)
            unlink(file)
        }
        Foundation.close(descriptor)
    }

    /// Removes pins a server killed without cleaning up left behind.
    static func removeStalePins(in directory: String) {
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
            gust_netns_unpin("\(directory)/\(entry)")
            unlink("\(directory)/\(entry)")
        }
    }
}
