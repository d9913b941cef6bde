import Foundation

/// Builds the bubblewrap command line an instance runs under: the host's root read-only, the code
/// read-only at `/var/task`, a private `/tmp`, Gust's data directory replaced by an empty tmpfs (only
/// the bootstraps are bound back, read-only), its own PID namespace, and death with its parent.
/// The network stays shared because the Runtime API is served on loopback.
public struct Sandbox: Sendable, Equatable {
    public static let taskRoot = "/var/task"

    public enum Mode: Sendable, Equatable {
        case none
        case bubblewrap(path: String)
    }

    public let mode: Mode
    public let dataDirectory: String
    public let bootstrapDirectory: String
    /// Host directories bound back read-only after `/tmp` is replaced: interpreters installed
    /// under `/tmp` (a checkout's tool directory, say) must stay runnable.
    public let tmpExceptions: [String]

    public init(mode: Mode, dataDirectory: String, bootstrapDirectory: String, interpreters: [String] = []) {
        self.mode = mode
        self.dataDirectory = dataDirectory
        self.bootstrapDirectory = bootstrapDirectory
        // An interpreter at PREFIX/bin/NAME needs PREFIX (its standard library lives beside bin/).
        self.tmpExceptions = interpreters.filter { $0.hasPrefix("/tmp/") }.map {
            URL(fileURLWithPath: $0).deletingLastPathComponent().deletingLastPathComponent().path
        }
    }

    /// Where the function's code appears to the function.
    public func taskRoot(codeDirectory: String) -> String {
        mode == .none ? codeDirectory : Self.taskRoot
    }

    public func wrap(_ command: [String], codeDirectory: String) -> [String] {
        guard case .bubblewrap(let bwrap) = mode else { return command }
        return [
            bwrap,
            "--ro-bind", "/", "/",
            "--dev", "/dev",
            "--proc", "/proc",
            "--tmpfs", "/tmp",
        ] + tmpExceptions.flatMap { ["--ro-bind", $0, $0] } + [
            // `/var` is replaced so that `/var/task` can be created on a read-only root (binding
            // `/var/lib` back cost 1 ms per start and nothing a runtime needs lives there).
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
