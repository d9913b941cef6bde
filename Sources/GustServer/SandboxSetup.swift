import Foundation
import GustCore
import GustProcess
import Logging

/// Chooses the sandbox at start and prepares what the hardened profile needs: the compiled
/// seccomp filter, per-function uids (when Gust runs as root) and the interpreters' prefixes.
struct SandboxSetup {
    let configuration: ServerConfiguration
    let logger: Logger

    /// `shown`: more host directories instances see read-only at their own paths (the Python
    /// runtime's packages).
    func sandbox(
        dataDirectory: String, bootstrapDirectory: String, interpreters: Interpreters, shown: [String] = [],
        hostsFile: String? = nil
    ) throws(GustError) -> Sandbox {
        let mode = try mode()
        let prefixes = Sandbox.interpreterPrefixes([interpreters.python, interpreters.node].compactMap { $0 }) + shown
        guard case .bubblewrap = mode else {
            let profile = Sandbox.Profile(setpriv: nil, users: nil, seccompFilter: nil, readOnly: prefixes)
            return Sandbox(mode: mode, dataDirectory: dataDirectory, bootstrapDirectory: bootstrapDirectory, profile: profile)
        }
        var profile = try Sandbox.Profile.hardened(directory: "\(dataDirectory)/sandbox", readOnly: prefixes, logger: logger)
        profile.hostsFile = hostsFile
        return Sandbox(mode: mode, dataDirectory: dataDirectory, bootstrapDirectory: bootstrapDirectory, profile: profile)
    }

    private func mode() throws(GustError) -> Sandbox.Mode {
        switch configuration.sandbox {
        case .none:
            try refuseUnsandboxedRoot()
            logger.warning("--sandbox none: functions run WITHOUT a sandbox, as Gust's own user, and can read and change everything it can. For development only.")
            return .none
        case .basic:
            guard let bwrap = Sandbox.findExecutable("bwrap") else { throw .internalError("--sandbox basic needs bwrap") }
            logger.warning("--sandbox basic: the pre-hardening profile, for benchmarks only; functions run as root inside it")
            return .basic(path: bwrap)
        case .bwrap, .auto:
            if let bwrap = Sandbox.findExecutable("bwrap"), Self.bwrapWorks(bwrap) { return .bubblewrap(path: bwrap) }
            if configuration.sandbox == .bwrap {
                throw .internalError("--sandbox bwrap: bubblewrap is not installed or cannot create namespaces here (apt-get install bubblewrap)")
            }
            try refuseUnsandboxedRoot()
            logger.warning("bubblewrap (bwrap) is not installed or does not work here: functions run WITHOUT a sandbox. Install it (apt-get install bubblewrap) or pass --sandbox none to accept this.")
            return .none
        }
    }

    /// Root without a sandbox, reachable from other machines, hands the host to whoever may deploy.
    private func refuseUnsandboxedRoot() throws(GustError) {
        guard geteuid() == 0, !configuration.allowUnsandboxedRoot, !Self.isLoopback(configuration.host) else { return }
        throw .internalError(
            "refusing to run functions unsandboxed as root on \(configuration.host): install bubblewrap, listen on 127.0.0.1, or pass --allow-unsandboxed-root")
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    static func bwrapWorks(_ bwrap: String) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: bwrap)
        process.arguments = ["--ro-bind", "/", "/", "--unshare-pid", "--proc", "/proc", "--dev", "/dev", "true"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
