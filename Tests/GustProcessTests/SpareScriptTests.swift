import Foundation
import Testing

@testable import GustProcess

@Suite struct SpareScriptTests {
    /// The launch script carries user-controlled environment values into a shell: they must arrive
    /// byte for byte and never run.
    @Test func environmentValuesArriveVerbatimAndNeverRun() throws {
        let marker = NSTemporaryDirectory() + "gust-injected-\(UUID().uuidString)"
        let hostile = "it's $(touch \(marker)) `touch \(marker)`; \"quoted\"\nsecond line \\ end"
        let script = SpareProcess.script(
            launch: Sandbox.Launch(setup: ["ulimit -n 512"], argv: ["/usr/bin/env"]), environment: ["HOSTILE": hostile, "PLAIN": "value"], directory: "/")
        let path = NSTemporaryDirectory() + "gust-script-\(UUID().uuidString).sh"
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [path]
        process.environment = [:]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()

        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("HOSTILE=\(hostile)\n"))
        #expect(text.contains("PLAIN=value\n"))
        #expect(!FileManager.default.fileExists(atPath: marker))
    }
}
