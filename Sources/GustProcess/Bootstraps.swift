import Foundation

/// The runtime bootstraps Gust ships inside its binary (no resource bundle to lose), written out at
/// start so that the sandbox can bind them read-only.
public enum Bootstraps {
    /// Writes the bootstraps; with `python`, also compiles the Python one (a 3 ms saving on every
    /// cold start: a script is compiled on each run, an imported module's bytecode is cached).
    public static func install(into directory: String, python: String?) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let pythonFile = "\(directory)/\(PythonBootstrap.fileName)"
        try PythonBootstrap.source.write(toFile: pythonFile, atomically: true, encoding: .utf8)
        try NodeBootstrap.source.write(toFile: "\(directory)/\(NodeBootstrap.fileName)", atomically: true, encoding: .utf8)
        if let python {
            let compile = Process()
            compile.executableURL = URL(fileURLWithPath: python)
            compile.arguments = ["-S", "-m", "py_compile", pythonFile]
            compile.standardOutput = FileHandle.nullDevice
            compile.standardError = FileHandle.nullDevice
            // Best effort: without the cached bytecode the import still works, only slower.
            if (try? compile.run()) != nil { compile.waitUntilExit() }
        }
    }

    /// The Python command line for an instance: import the compiled bootstrap and run it.
    /// `packages`: the runtime's package directory (boto3), which the bootstrap puts on
    /// `sys.path` after the task root.
    static func pythonCommand(python: String, directory: String, packages: String? = nil) -> [String] {
        let packagesArgument = packages.map { "'\(literal($0))'" } ?? ""
        return [
            python, "-u", "-S", "-c",
            "import sys; sys.path.insert(0, '\(literal(directory))'); import \(PythonBootstrap.moduleName) as b; b.main(\(packagesArgument))",
        ]
    }

    /// `text` as the inside of a single-quoted Python string.
    private static func literal(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'")
    }
}
