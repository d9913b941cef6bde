import Foundation

/// The runtime bootstraps Gust ships inside its binary (no resource bundle to lose), written out at
/// start so that the sandbox can bind them read-only.
public enum Bootstraps {
    public static func install(into directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try PythonBootstrap.source.write(toFile: "\(directory)/\(PythonBootstrap.fileName)", atomically: true, encoding: .utf8)
        try NodeBootstrap.source.write(toFile: "\(directory)/\(NodeBootstrap.fileName)", atomically: true, encoding: .utf8)
    }
}
