import Foundation
import GustCore
import Logging

extension Sandbox.Profile {
    /// Prepares the hardened profile in `directory` (inside the data directory, hidden from every
    /// sandbox): the compiled seccomp filter and, when Gust runs as root and `setpriv` exists,
    /// per-function uids.
    public static func hardened(directory: String, readOnly: [String], logger: Logger) throws(GustError) -> Sandbox.Profile {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .internalError("cannot create \(directory): \(error)")
        }
        let filter = "\(directory)/seccomp.bpf"
        try SeccompFilter.write(to: filter)
        var setpriv: String?
        var users: SandboxUsers?
        var nsenter: String?
        var pasta: String?
        if geteuid() == 0 {
            nsenter = Sandbox.findExecutable("nsenter")
            pasta = Sandbox.findExecutable("pasta")
            if nsenter == nil { logger.warning("nsenter (util-linux) is missing: every function shares the host's network") }
            if pasta == nil { logger.warning("pasta (apt: passt) is missing: functions with network 'egress' reach Gust only") }
            setpriv = Sandbox.findExecutable("setpriv")
            if setpriv == nil {
                logger.warning("setpriv (util-linux) is missing: functions run as root inside their sandbox, without capabilities")
            } else {
                users = try SandboxUsers(directory: directory)
            }
        }
        logger.info(
            "sandbox: bubblewrap, seccomp, no capabilities",
            metadata: ["uids": "\(users == nil ? "user namespace" : "one per function")", "shown": "\(readOnly)"])
        var profile = Sandbox.Profile(setpriv: setpriv, users: users, seccompFilter: filter, readOnly: readOnly)
        profile.nsenter = nsenter
        profile.pasta = pasta
        return profile
    }
}
