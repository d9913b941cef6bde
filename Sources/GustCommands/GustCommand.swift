import ArgumentParser

/// `gust`: the server and its client in one binary.
@available(macOS 14, *)
public struct GustCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "gust",
        abstract: "Gust: a self-hosted serverless platform in one binary.",
        subcommands: [
            Serve.self, Deploy.self, Invoke.self, List.self, Routes.self, APIKeys.self, Logs.self, Remove.self, Queues.self,
            Buckets.self,
        ])

    public init() {}
}
