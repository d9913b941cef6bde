import ArgumentParser
import Foundation
import GustClient

struct Invoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Invoke a function and print its result.")

    @Argument(help: "Function name, optionally name:version or name:alias.")
    var name: String

    @Option(help: "JSON payload, or @file to read it from a file.")
    var payload = "{}"

    @Flag(name: .customLong("async"), help: "Queue the event and return at once (InvocationType Event).")
    var isAsync = false

    @Flag(help: "Print the invocation's log tail to stderr.")
    var logs = false

    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await runReporting {
            let bytes: [UInt8]
            if payload.hasPrefix("@") {
                guard let data = FileManager.default.contents(atPath: String(payload.dropFirst())) else {
                    throw CLIError("cannot read payload file \(payload.dropFirst())")
                }
                bytes = Array(data)
            } else {
                bytes = Array(payload.utf8)
            }
            guard (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil else {
                throw CLIError("payload is not valid JSON")
            }
            let reply = try await options.client().invoke(name, payload: bytes, async: isAsync)
            if isAsync {
                let id = reply.header("x-amzn-RequestId") ?? ""
                if options.json { Output.json(["StatusCode": reply.status, "RequestId": id]) } else { print("queued \(id)") }
                return
            }
            if logs, let tail = reply.header("X-Amz-Log-Result"), let data = Data(base64Encoded: tail) {
                FileHandle.standardError.write(data)
            }
            let body = String(decoding: reply.body, as: UTF8.self)
            print(body)
            if reply.header("X-Amz-Function-Error") != nil {
                let json = reply.json
                let type = json?["errorType"] as? String ?? "Unhandled"
                let message = json?["errorMessage"] as? String ?? body
                throw CLIError("function failed: \(type): \(message)")
            }
        }
    }
}
