import CSeccomp
import Foundation
import GustCore

/// The syscall filter every sandboxed instance runs under, built once at server start with
/// libseccomp and handed to bubblewrap (`--seccomp FD`) as compiled BPF.
///
/// A deny list rather than an allow list: interpreters and `provided` bootstraps (any language) use
/// a wide and changing set of syscalls, and what they never need is a short, stable list. Denied
/// calls fail with EPERM (so a program sees an ordinary error, not a kill); `clone3` fails with
/// ENOSYS so that glibc falls back to `clone`, whose flags a classic filter can inspect (as Docker's
/// and Flatpak's profiles do). A foreign architecture's syscalls (i386 `int 0x80`, x32) kill the
/// process: libseccomp's default for a filter built for the native architecture only.
public enum SeccompFilter {
    /// Refused outright: mounting, kernel modules and kexec, tracing other processes, kernel
    /// keyrings, eBPF, perf, userfaultfd, namespaces by file descriptor, swap, reboot, clock and
    /// host-name changes, and the file-handle calls that let a process escape a bind mount.
    public static let denied = [
        "mount", "umount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree", "fsopen", "fsconfig", "fsmount",
        "fspick", "mount_setattr",
        "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load",
        "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
        "keyctl", "add_key", "request_key",
        "bpf", "perf_event_open", "userfaultfd", "lookup_dcookie", "fanotify_init",
        "setns", "swapon", "swapoff", "reboot", "acct", "quotactl", "quotactl_fd", "nfsservctl", "vhangup",
        "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "stime",
        "sethostname", "setdomainname", "syslog", "iopl", "ioperm",
        "open_by_handle_at", "name_to_handle_at",
        "io_uring_setup", "io_uring_enter", "io_uring_register",
        "uselib",
    ]

    /// Namespace flags of `clone` and `unshare`: a function never makes namespaces of its own.
    static let namespaceFlags: [UInt64] = [
        0x0002_0000,  // CLONE_NEWNS
        0x0200_0000,  // CLONE_NEWCGROUP
        0x0400_0000,  // CLONE_NEWUTS
        0x0800_0000,  // CLONE_NEWIPC
        0x1000_0000,  // CLONE_NEWUSER
        0x2000_0000,  // CLONE_NEWPID
        0x4000_0000,  // CLONE_NEWNET
        0x0000_0080,  // CLONE_NEWTIME
    ]

    static func errno(_ code: Int32) -> UInt32 { 0x0005_0000 | (UInt32(code) & 0xffff) }
    static let allow: UInt32 = 0x7fff_0000

    /// Compiles the filter and writes the BPF program to `path` (0600).
    public static func write(to path: String) throws(GustError) {
        guard let context = seccomp_init(allow) else { throw .internalError("seccomp_init failed") }
        defer { seccomp_release(context) }
        // bubblewrap sets no_new_privs itself; the exported program carries no attributes anyway.
        func add(_ name: String, action: UInt32, _ comparisons: [scmp_arg_cmp] = []) throws(GustError) {
            let number = seccomp_syscall_resolve_name(name)
            // A name this kernel's architecture lacks (`stime` on x86_64, say) has nothing to refuse.
            guard number != -1 else { return }
            let rc = comparisons.withUnsafeBufferPointer {
                seccomp_rule_add_array(context, action, number, UInt32($0.count), $0.baseAddress)
            }
            guard rc == 0 else { throw .internalError("seccomp rule for \(name) failed: \(rc)") }
        }
        for name in denied { try add(name, action: errno(EPERM)) }
        for flag in namespaceFlags {
            let comparison = scmp_arg_cmp(arg: 0, op: SCMP_CMP_MASKED_EQ, datum_a: flag, datum_b: flag)
            try add("clone", action: errno(EPERM), [comparison])
            try add("unshare", action: errno(EPERM), [comparison])
        }
        try add("clone3", action: errno(ENOSYS))
        // Raw and packet sockets: forging traffic and sniffing the instance's network.
        try add("socket", action: errno(EPERM), [scmp_arg_cmp(arg: 0, op: SCMP_CMP_EQ, datum_a: 17, datum_b: 0)])  // AF_PACKET
        try add("socket", action: errno(EPERM), [scmp_arg_cmp(arg: 1, op: SCMP_CMP_MASKED_EQ, datum_a: 0xf, datum_b: 3)])  // SOCK_RAW

        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .internalError("cannot write \(path): \(String(cString: strerror(Foundation.errno)))") }
        defer { close(fd) }
        let rc = seccomp_export_bpf(context, fd)
        guard rc == 0 else { throw .internalError("seccomp_export_bpf failed: \(rc)") }
    }
}
