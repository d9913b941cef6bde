import Foundation
import GustCore

/// Builds the command line an instance runs under (`docs/sandbox.md`). The hardened profile:
/// bubblewrap with a filesystem of only what a runtime needs (`/usr` and the interpreters'
/// prefixes read-only, a minimal `/etc`, the code read-only at `/var/task`, a private size-capped
/// `/tmp`, a private `/proc` and `/dev`), new PID/IPC/UTS/cgroup namespaces, the seccomp filter,
/// `no_new_privs` and no capabilities, as the function's own uid. `basic` is the profile from
/// before the hardening, kept only as the benchmark's baseline.
public struct Sandbox: Sendable {
    public static let taskRoot = "/var/task"

    public enum Mode: Sendable, Equatable {
        case none
        case bubblewrap(path: String)
        /// The pre-hardening profile (host root read-only, root inside): a benchmark baseline.
        case basic(path: String)
    }

    /// What a hardened sandbox needs from the host, found once at start.
    public struct Profile: Sendable {
        /// `setpriv`, when Gust runs as root: instances then run as their function's uid.
        public var setpriv: String?
        public var users: SandboxUsers?
        /// The compiled seccomp filter (`SeccompFilter`).
        public var seccompFilter: String?
        /// Host directories shown read-only at their own paths besides `/usr`: interpreter prefixes.
        public var readOnly: [String]
        /// Open files per instance (Lambda's limit is 1,024).
        public var maxOpenFiles: Int
        /// Processes per instance where no pids cgroup holds them (`ulimit -p`).
        public var maxProcesses: Int
        /// `nsenter` and `pasta`, when Gust runs as root: network policies other than `host` then
        /// give each instance a network namespace of its own.
        public var nsenter: String?
        public var pasta: String?
        /// Gust's own hosts file (`SandboxHosts`), shown as `/etc/hosts`: it names the endpoint
        /// `gust.internal` and every bucket `BUCKET.gust.internal`.
        public var hostsFile: String?

        public init(
            setpriv: String?, users: SandboxUsers?, seccompFilter: String?, readOnly: [String], maxOpenFiles: Int = 1024,
            maxProcesses: Int = MemoryLimiter.defaultMaxPids
        ) {
            self.setpriv = setpriv
            self.users = users
            self.seccompFilter = seccompFilter
            self.readOnly = readOnly
            self.maxOpenFiles = maxOpenFiles
            self.maxProcesses = maxProcesses
        }
    }

    /// Shell lines run before the command (by the launch shell, as root when Gust is), and the
    /// command itself.
    public struct Launch: Sendable, Equatable {
        public var setup: [String]
        public var argv: [String]
    }

    /// The `/etc` a runtime reads: the loader cache, name resolution, certificates, the time zone.
    static let etcEntries = [
        "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "resolv.conf", "hosts", "host.conf", "nsswitch.conf", "gai.conf",
        "ssl", "ca-certificates", "ca-certificates.conf", "pki", "localtime", "timezone", "mime.types", "alternatives",
    ]
    /// Where the seccomp filter's descriptor is opened for bubblewrap (dash takes one digit).
    static let seccompFD = 8

    public let mode: Mode
    public let dataDirectory: String
    public let bootstrapDirectory: String
    public let profile: Profile
    /// The host's top-level directories as they are (`/lib` a link into `/usr`, or a directory)
    /// and the `/etc` entries it has, looked at once here rather than on every cold start.
    let topLinks: [(target: String, path: String)]
    let topDirectories: [String]
    let etcPresent: [String]

    public init(mode: Mode, dataDirectory: String, bootstrapDirectory: String, profile: Profile? = nil) {
        self.mode = mode
        self.dataDirectory = dataDirectory
        self.bootstrapDirectory = bootstrapDirectory
        self.profile = profile ?? Profile(setpriv: nil, users: nil, seccompFilter: nil, readOnly: [])
        let fm = FileManager.default
        var links: [(String, String)] = []
        var directories: [String] = []
        for top in ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"] {
            if let target = try? fm.destinationOfSymbolicLink(atPath: top) {
                links.append((target, top))
            } else if fm.fileExists(atPath: top) {
                directories.append(top)
            }
        }
        topLinks = links
        topDirectories = directories
        etcPresent = Self.etcEntries.filter { fm.fileExists(atPath: "/etc/\($0)") }
    }

    /// An executable in the usual system directories (PATH first), or nil.
    public static func findExecutable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") + ["/usr/bin", "/bin", "/usr/sbin", "/usr/local/bin"] {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// The prefixes of interpreters that live outside `/usr` (pyenv, a checkout's tool directory):
    /// an interpreter at PREFIX/bin/NAME needs PREFIX, where its standard library lives.
    public static func interpreterPrefixes(_ interpreters: [String]) -> [String] {
        var prefixes: [String] = []
        for path in interpreters {
            let real = URL(fileURLWithPath: path).resolvingSymlinksInPath()
            let prefix = real.deletingLastPathComponent().deletingLastPathComponent().path
            if prefix == "/" || prefix == "/usr" || prefix.hasPrefix("/usr/") || prefixes.contains(prefix) { continue }
            prefixes.append(prefix)
        }
        return prefixes
    }

    /// Where the function's code appears to the function.
    public func taskRoot(codeDirectory: String) -> String {
        mode == .none ? codeDirectory : Self.taskRoot
    }

    /// Whether instances of a function get a network namespace of their own.
    public func isolatesNetwork(_ function: FunctionConfiguration) -> Bool {
        guard case .bubblewrap = mode, profile.nsenter != nil else { return false }
        return function.networkPolicy != .host
    }

    /// `network`: the path of the instance's network namespace (`NetworkNamespace`), entered
    /// before bubblewrap starts; nil shares the host's network.
    public func launch(
        _ command: [String], codeDirectory: String, function: FunctionConfiguration, pidsLimited: Bool, network: String? = nil
    ) -> Launch {
        switch mode {
        case .none:
            return Launch(setup: [], argv: command)
        case .basic(let bwrap):
            return Launch(setup: [], argv: basic(bwrap, command, codeDirectory: codeDirectory))
        case .bubblewrap(let bwrap):
            var launch = hardened(bwrap, command, codeDirectory: codeDirectory, function: function, pidsLimited: pidsLimited)
            if let network, let nsenter = profile.nsenter { launch.argv = [nsenter, "--net=\(network)"] + launch.argv }
            return launch
        }
    }

    private func hardened(
        _ bwrap: String, _ command: [String], codeDirectory: String, function: FunctionConfiguration, pidsLimited: Bool
    ) -> Launch {
        let uid = profile.setpriv != nil ? profile.users?.uid(for: function.name) : nil
        // The shell's own PWD would tell the function where Gust keeps its code on the host.
        var setup = ["ulimit -n \(profile.maxOpenFiles)", "export PWD=\(Self.taskRoot)", "unset OLDPWD"]
        // Counted per uid: only meaningful when the instance has a uid of its own.
        if !pidsLimited, uid != nil { setup.append("ulimit -p \(profile.maxProcesses)") }
        var args = [
            bwrap, "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--die-with-parent",
            "--new-session", "--hostname", "gust",
        ]
        if uid != nil {
            // Privileged bubblewrap keeps root's capabilities unless told otherwise; setpriv needs
            // these three to become the function's user, and then drops them with every other.
            args += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_SETPCAP"]
        } else {
            // Unprivileged: the caller's uid inside a user namespace with no capabilities in it,
            // and no nested user namespaces.
            args += ["--unshare-user", "--disable-userns"]
        }
        var made: Set<String> = ["/"]
        func directory(_ path: String) {
            guard !made.contains(path) else { return }
            let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
            directory(parent)
            // bubblewrap would make missing parents 0700 (root's), which the function's uid
            // could not cross.
            args += ["--perms", "0755", "--dir", path]
            made.insert(path)
        }
        func bind(_ source: String, _ destination: String) {
            directory(URL(fileURLWithPath: destination).deletingLastPathComponent().path)
            args += ["--ro-bind", source, destination]
        }
        // `/tmp` first: a data directory or interpreter under the host's `/tmp` (tests, a checkout's
        // tools) is bound on top of it below.
        args += ["--perms", "01777", "--size", String(function.tmpMB * 1024 * 1024), "--tmpfs", "/tmp"]
        made.insert("/tmp")
        bind("/usr", "/usr")
        made.insert("/usr")
        for link in topLinks { args += ["--symlink", link.target, link.path] }
        for top in topDirectories { bind(top, top) }
        directory("/etc")
        for entry in etcPresent where !(entry == "hosts" && profile.hostsFile != nil) { bind("/etc/\(entry)", "/etc/\(entry)") }
        if let hosts = profile.hostsFile { bind(hosts, "/etc/hosts") }
        if let uid, let files = profile.users?.accountFiles(uid: uid) {
            bind(files.passwd, "/etc/passwd")
            bind(files.group, "/etc/group")
        }
        for path in profile.readOnly { bind(path, path) }
        bind(bootstrapDirectory, bootstrapDirectory)
        args += ["--dev", "/dev", "--proc", "/proc"]
        bind(codeDirectory, Self.taskRoot)
        args += ["--chdir", Self.taskRoot]
        if let filter = profile.seccompFilter {
            setup.append("exec \(Self.seccompFD)<\(SpareProcess.quote(filter))")
            args += ["--seccomp", String(Self.seccompFD)]
        }
        args.append("--")
        if let uid, let setpriv = profile.setpriv {
            args += [
                setpriv, "--reuid=\(uid)", "--regid=\(uid)", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all",
                "--no-new-privs", "--",
            ]
        }
        return Launch(setup: setup, argv: args + command)
    }

    private func basic(_ bwrap: String, _ command: [String], codeDirectory: String) -> [String] {
        [
            bwrap,
            "--ro-bind", "/", "/",
            "--dev", "/dev",
            "--proc", "/proc",
            "--tmpfs", "/tmp",
        ] + profile.readOnly.filter { $0.hasPrefix("/tmp/") }.flatMap { ["--ro-bind", $0, $0] } + [
            "--tmpfs", "/var",
            "--tmpfs", dataDirectory,
            "--ro-bind", bootstrapDirectory, bootstrapDirectory,
            "--ro-bind", codeDirectory, Self.taskRoot,
            "--chdir", Self.taskRoot,
            "--unshare-pid", "--unshare-ipc", "--unshare-uts",
            "--die-with-parent",
            "--",
        ] + command
    }
}
