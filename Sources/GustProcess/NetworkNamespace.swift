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
    let runtimeSocket: Int32
    let endpointSocket: Int32?
    private let helper: Mutex<Process?>

    /// The namespace as a path a root shell can enter (`nsenter --net=…`) while Gust holds it open.
    var path: String { "/proc/\(getpid())/fd/\(descriptor)" }

    private init(descriptor: Int32, runtimeSocket: Int32, endpointSocket: Int32?) {
        self.descriptor = descriptor
        self.runtimeSocket = runtimeSocket
        self.endpointSocket = endpointSocket
        self.helper = Mutex(nil)
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

    /// Starts `pasta` on the namespace for outbound traffic. Failure leaves the instance working,
    /// without a way out (logged by the caller).
    func attachEgress(pasta: String) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: pasta)
        // No port forwarding in either direction, no mapping of the host's loopback, foreground
        // so that Gust owns its lifetime.
        process.arguments = [
            "--netns", path, "--config-net", "--no-map-gw", "-f", "-q", "-t", "none", "-u", "none", "-T", "none", "-U", "none",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.environment = [:]
        do { try process.run() } catch { return false }
        helper.withLock { $0 = process }
        return true
    }

    /// Closes the namespace's descriptor (the kernel frees it once the instance is gone too) and
    /// stops pasta. The listening sockets belong to the NIO channels serving them.
    func close() {
        if let process = helper.withLock({ state -> Process? in
            defer { state = nil }
            return state
        }), process.isRunning {
            process.terminate()
        }
        Foundation.close(descriptor)
    }
}
