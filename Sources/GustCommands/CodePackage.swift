import Crypto
import Foundation
import GustProcess
import ZIPFoundation

/// A function's code as `gust deploy` uploads it: its directory, plus the dependencies that its
/// `requirements.txt` (Python) or `package.json` (Node.js) declares, installed as `sam build`
/// does. Installs are cached under the app's `.gust/deps`, keyed by a hash of what was
/// installed from, so a re-deploy with the same requirements installs nothing.
struct CodePackage {
    var function: String
    var runtime: String
    var codePath: String
    /// `<app>/.gust/deps`.
    var cacheRoot: String
    var say: (String) -> Void

    /// Never zipped from the code: the install cache. (A local `node_modules`, which may hold dev
    /// dependencies, is left out too when npm installs one in its place.)
    static let excluded: Set<String> = [".gust"]

    func zip() throws -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: codePath, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CLIError("code directory \(codePath) does not exist")
        }
        var sources = [Source(root: codePath, prefix: "", excluded: Self.excluded)]
        if runtime.hasPrefix("python"), FileManager.default.fileExists(atPath: "\(codePath)/requirements.txt") {
            sources.append(Source(root: try pythonRequirements(), prefix: "", excluded: []))
        } else if runtime.hasPrefix("nodejs"), try Self.declaresDependencies("\(codePath)/package.json") {
            sources[0].excluded.insert("node_modules")
            sources.append(Source(root: try nodeModules(), prefix: "node_modules", excluded: []))
        }
        return try Self.zip(sources)
    }

    // MARK: Python

    /// The interpreter that runs functions (`Interpreters`: the real one, not a pyenv shim or a
    /// venv's), so compiled wheels match it. Resolved once per `gust deploy`.
    static let python: String? = Interpreters.resolve().python.map {
        URL(fileURLWithPath: $0).resolvingSymlinksInPath().path
    }

    private func pythonRequirements() throws -> String {
        guard let python = Self.python else {
            throw CLIError("\(function): requirements.txt needs python3 on PATH to install it")
        }
        let requirements = try Data(contentsOf: URL(fileURLWithPath: "\(codePath)/requirements.txt"))
        return try cached(kind: "python", key: [requirements, Data(python.utf8)], what: "requirements") { target in
            // Made first: pip leaves no directory behind when there is nothing to install.
            try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
            // Run from the code directory so relative paths in requirements.txt (`-r`, `./lib`) work.
            try Self.run(
                python,
                ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-input", "--target", target, "-r", "requirements.txt"],
                in: codePath, failure: "pip install -r requirements.txt failed (with \(python))")
        }
    }

    // MARK: Node.js

    static func declaresDependencies(_ packageJSON: String) throws -> Bool {
        guard let data = FileManager.default.contents(atPath: packageJSON) else { return false }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw CLIError("\(packageJSON) is not a JSON object")
        }
        return !((object["dependencies"] as? [String: Any]) ?? [:]).isEmpty
    }

    private func nodeModules() throws -> String {
        guard let npm = Self.which("npm") else {
            throw CLIError(
                "\(function): package.json declares dependencies but npm is not installed: install it (apt-get install npm, or Node.js from nodejs.org) and deploy again")
        }
        var key = [try Data(contentsOf: URL(fileURLWithPath: "\(codePath)/package.json"))]
        if let lock = FileManager.default.contents(atPath: "\(codePath)/package-lock.json") { key.append(lock) }
        return try cached(kind: "node", key: key, what: "dependencies") { target in
            // npm installs beside package.json; a copy keeps the app's own node_modules (with its
            // dev dependencies) out of it. `file:` dependencies resolve as they would in place, and
            // `--install-links` copies them in: a link would point out of the package.
            let copy = target + ".src"
            defer { try? FileManager.default.removeItem(atPath: copy) }
            try Self.copy(codePath, to: copy, excluding: Self.excluded.union(["node_modules"]))
            try Self.run(
                npm, ["install", "--omit=dev", "--install-links", "--no-audit", "--no-fund", "--loglevel=error"], in: copy,
                failure: "npm install --omit=dev failed")
            let modules = "\(copy)/node_modules"
            if FileManager.default.fileExists(atPath: modules) {
                try FileManager.default.moveItem(atPath: modules, toPath: target)
            } else {
                try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
            }
        }
    }

    // MARK: Cache

    /// `<cache>/<kind>-<hash of key>`, installed by `install(temporaryPath)` when missing. The
    /// install goes to a temporary directory renamed into place, so an interrupted one is never
    /// taken for a finished one.
    private func cached(kind: String, key: [Data], what: String, install: (String) throws -> Void) throws -> String {
        var hasher = SHA256()
        for part in key {
            hasher.update(data: Data("\(part.count):".utf8))
            hasher.update(data: part)
        }
        let hash = hasher.finalize().prefix(8).map { String(format: "%02x", $0) }.joined()
        let path = "\(cacheRoot)/\(kind)-\(hash)"
        let shown = "\(URL(fileURLWithPath: cacheRoot).deletingLastPathComponent().lastPathComponent)/deps/\(kind)-\(hash)"
        if FileManager.default.fileExists(atPath: path) {
            say("\(function): \(what) unchanged, from the cache (\(shown))")
            return path
        }
        say("\(function): installing \(what)…")
        let started = Date()
        try FileManager.default.createDirectory(atPath: cacheRoot, withIntermediateDirectories: true)
        let temporary = "\(cacheRoot)/.install-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: temporary) }
        try install(temporary)
        do {
            try FileManager.default.moveItem(atPath: temporary, toPath: path)
        } catch {
            // Another deploy may have installed the same set meanwhile; either copy will do.
            guard FileManager.default.fileExists(atPath: path) else { throw error }
        }
        say("\(function): \(what) installed in \(String(format: "%.1f", Date().timeIntervalSince(started))) s (cached in \(shown))")
        return path
    }

    // MARK: Files and processes

    struct Source {
        var root: String
        /// Where the root's contents go in the zip.
        var prefix: String
        /// Top-level names of the root left out.
        var excluded: Set<String>
    }

    /// Zips the sources into one archive (deflated, file modes kept). On a name two sources share,
    /// the first wins: the function's own files over installed ones.
    static func zip(_ sources: [Source]) throws -> [UInt8] {
        let target = FileManager.default.temporaryDirectory.appendingPathComponent("gust-\(UUID().uuidString).zip")
        defer { try? FileManager.default.removeItem(at: target) }
        do {
            let archive = try Archive(url: target, accessMode: .create)
            var added = Set<String>()
            for source in sources {
                let root = URL(fileURLWithPath: source.root)
                let entries = FileManager.default.enumerator(atPath: source.root)
                while let relative = entries?.nextObject() as? String {
                    let top = String(relative.prefix { $0 != "/" })
                    if source.excluded.contains(top) {
                        entries?.skipDescendants()
                        continue
                    }
                    let path = source.prefix.isEmpty ? relative : "\(source.prefix)/\(relative)"
                    guard added.insert(path).inserted else { continue }
                    try archive.addEntry(with: path, fileURL: root.appendingPathComponent(relative), compressionMethod: .deflate)
                }
            }
        }
        return Array(try Data(contentsOf: target))
    }

    static func copy(_ source: String, to destination: String, excluding: Set<String>) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: destination, withIntermediateDirectories: true)
        for name in try fm.contentsOfDirectory(atPath: source) where !excluding.contains(name) {
            try fm.copyItem(atPath: "\(source)/\(name)", toPath: "\(destination)/\(name)")
        }
    }

    static func which(_ command: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(command)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs a tool to completion; its output is kept, and shown only if it fails.
    static func run(_ executable: String, _ arguments: [String], in directory: String, failure: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var environment = ProcessInfo.processInfo.environment
        environment["PIP_ROOT_USER_ACTION"] = "ignore"
        process.environment = environment
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("gust-install-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let log = try FileHandle(forWritingTo: output)
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw CLIError("\(failure): cannot start \(executable): \(error.localizedDescription)")
        }
        process.waitUntilExit()
        try? log.close()
        guard process.terminationStatus == 0 else {
            let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            let tail = text.split(separator: "\n").suffix(20).joined(separator: "\n")
            let hint = text.contains("No module named pip") ? "\n(install pip for it: apt-get install python3-pip, or python3 -m ensurepip)" : ""
            throw CLIError("\(failure) (exit \(process.terminationStatus)):\n\(tail)\(hint)")
        }
    }
}
