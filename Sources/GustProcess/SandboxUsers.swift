import Foundation
import GustCore
import Synchronization

/// Gives each function a uid of its own from a range, so that two functions' instances cannot
/// signal, trace or read each other (the kernel's ordinary uid checks), and writes the minimal
/// `/etc/passwd` and `/etc/group` each sandbox shows. Only used when Gust runs as root: an
/// unprivileged Gust runs every instance as its own uid inside a user namespace instead.
///
/// The assignment is kept in the data directory so a function keeps its uid across restarts
/// (the files it leaves in a shared cache or a core dump stay its own).
public final class SandboxUsers: Sendable {
    public static let defaultRange = 100_000..<160_000

    let range: Range<Int>
    let directory: String
    private let state: Mutex<[String: Int]>
    /// Uids whose account files exist: checked on disk once per uid, not per cold start.
    private let written = Mutex<Set<Int>>([])

    public init(directory: String, range: Range<Int> = SandboxUsers.defaultRange) throws(GustError) {
        self.range = range
        self.directory = directory
        do {
            try FileManager.default.createDirectory(atPath: "\(directory)/etc", withIntermediateDirectories: true)
        } catch {
            throw .internalError("cannot create \(directory): \(error)")
        }
        var assigned: [String: Int] = [:]
        if let data = FileManager.default.contents(atPath: "\(directory)/uids.json") {
            assigned = (try? JSONDecoder().decode([String: Int].self, from: data)) ?? [:]
        }
        state = Mutex(assigned)
    }

    /// The uid (also the gid) of a function, assigned on first use.
    public func uid(for function: String) -> Int {
        let (uid, changed) = state.withLock { assigned -> (Int, [String: Int]?) in
            if let uid = assigned[function] { return (uid, nil) }
            let used = Set(assigned.values)
            // The name's hash picks the first candidate, so concurrent servers on one data
            // directory (tests) rarely disagree; a collision probes on.
            var candidate = range.lowerBound + Int(Self.fnv(function) % UInt64(range.count))
            while used.contains(candidate) {
                candidate = candidate + 1 == range.upperBound ? range.lowerBound : candidate + 1
            }
            assigned[function] = candidate
            return (candidate, assigned)
        }
        if let changed, let data = try? JSONEncoder().encode(changed) {
            let path = "\(directory)/uids.json"
            FileManager.default.createFile(atPath: path + ".tmp", contents: data, attributes: [.posixPermissions: 0o600])
            rename(path + ".tmp", path)
        }
        return uid
    }

    /// `passwd` and `group` naming the function's user, written once per uid.
    func accountFiles(uid: Int) -> (passwd: String, group: String) {
        let base = "\(directory)/etc/\(uid)"
        let passwd = "\(base)/passwd"
        let group = "\(base)/group"
        if !written.withLock({ $0.contains(uid) }), !FileManager.default.fileExists(atPath: group) {
            try? FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
            let user = "sbx\(uid)"
            let passwdText = """
                root:x:0:0:root:/root:/usr/sbin/nologin
                \(user):x:\(uid):\(uid):Gust function:/tmp:/usr/sbin/nologin
                nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin

                """
            let groupText = "root:x:0:\n\(user):x:\(uid):\nnogroup:x:65534:\n"
            FileManager.default.createFile(atPath: passwd, contents: Data(passwdText.utf8), attributes: [.posixPermissions: 0o644])
            FileManager.default.createFile(atPath: group + ".tmp", contents: Data(groupText.utf8), attributes: [.posixPermissions: 0o644])
            rename(group + ".tmp", group)
        }
        written.withLock { _ = $0.insert(uid) }
        return (passwd, group)
    }

    static func fnv(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }
}
