import Foundation
import Testing
import ZIPFoundation

@testable import GustCommands

@Suite struct CodePackageTests {
    let root = NSTemporaryDirectory() + "gust-package-\(UUID().uuidString)"

    func write(_ files: [String: String], under directory: String) throws {
        for (name, content) in files {
            let url = URL(fileURLWithPath: "\(directory)/\(name)")
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try content.write(to: url, atomically: true, encoding: .utf8)
        }
    }

    func entries(_ zip: [UInt8]) throws -> [String: String] {
        let archive = try Archive(data: Data(zip), accessMode: .read)
        var result: [String: String] = [:]
        for entry in archive where entry.type == .file {
            var data = Data()
            _ = try archive.extract(entry) { data.append($0) }
            result[entry.path] = String(decoding: data, as: UTF8.self)
        }
        return result
    }

    @Test func zipsSourcesWithPrefixesAndExclusions() throws {
        try write(["app.js": "own", "node_modules/dev/index.js": "dev", ".gust/deps/x": "cache", "lib/util.js": "u"], under: "\(root)/code")
        try write(["left-pad/index.js": "pad", "app.js": "installed"], under: "\(root)/modules")
        let zip = try CodePackage.zip([
            .init(root: "\(root)/code", prefix: "", excluded: [".gust", "node_modules"]),
            .init(root: "\(root)/modules", prefix: "node_modules", excluded: []),
        ])
        #expect(
            try entries(zip) == [
                "app.js": "own", "lib/util.js": "u", "node_modules/left-pad/index.js": "pad", "node_modules/app.js": "installed",
            ])
    }

    @Test func theFunctionsOwnFileWinsOverAnInstalledOne() throws {
        try write(["six.py": "mine"], under: "\(root)/code")
        try write(["six.py": "pip's", "boto3/__init__.py": ""], under: "\(root)/deps")
        let zip = try CodePackage.zip([.init(root: "\(root)/code", prefix: "", excluded: []), .init(root: "\(root)/deps", prefix: "", excluded: [])])
        #expect(try entries(zip)["six.py"] == "mine")
        #expect(try entries(zip)["boto3/__init__.py"] == "")
    }

    /// A local wheel, so pip needs no index.
    func writeWheel(in directory: String) throws {
        let archive = try Archive(url: URL(fileURLWithPath: "\(directory)/tiny-1.0-py3-none-any.whl"), accessMode: .create)
        let files = [
            "tiny.py": "VALUE = 42\n", "tiny-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: tiny\nVersion: 1.0\n",
            "tiny-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
            "tiny-1.0.dist-info/RECORD": "tiny.py,,\ntiny-1.0.dist-info/METADATA,,\ntiny-1.0.dist-info/WHEEL,,\ntiny-1.0.dist-info/RECORD,,\n",
        ]
        for (path, text) in files {
            let data = Data(text.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count)) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
    }

    @Test(.enabled(if: CodePackage.python != nil)) func installsRequirementsOnceThenFromTheCache() throws {
        let code = "\(root)/app"
        try write(["app.py": "import tiny\n", "requirements.txt": "./tiny-1.0-py3-none-any.whl\n"], under: code)
        try writeWheel(in: code)
        var lines: [String] = []
        let package = CodePackage(function: "f", runtime: "python3.11", codePath: code, cacheRoot: "\(code)/.gust/deps") { lines.append($0) }
        let first = try entries(package.zip())
        #expect(first["tiny.py"] == "VALUE = 42\n")
        #expect(first["app.py"] == "import tiny\n")
        #expect(!first.keys.contains { $0.hasPrefix(".gust") })
        #expect(lines.first == "f: installing requirements…")
        #expect(lines.last?.hasPrefix("f: requirements installed in") == true)
        lines = []
        #expect(try entries(package.zip()) == first)
        #expect(lines.count == 1 && lines[0].hasPrefix("f: requirements unchanged, from the cache"))
    }

    @Test func nodeDependenciesAreInstalledOnlyWhenDeclared() throws {
        try write(["a/package.json": #"{"name": "a", "dependencies": {}}"#, "b/package.json": #"{"dependencies": {"left-pad": "1"}}"#], under: root)
        #expect(try CodePackage.declaresDependencies("\(root)/a/package.json") == false)
        #expect(try CodePackage.declaresDependencies("\(root)/b/package.json") == true)
        #expect(try CodePackage.declaresDependencies("\(root)/none/package.json") == false)
    }
}
