import ArgumentParser
import Foundation

struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List functions.")

    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await runReporting {
            let functions = try await options.client().listFunctions()
            if options.json {
                Output.json(["Functions": functions])
                return
            }
            Output.table(
                ["NAME", "RUNTIME", "HANDLER", "MEMORY", "TIMEOUT", "LAST MODIFIED"],
                functions.map { f in
                    [
                        f["FunctionName"] as? String ?? "", f["Runtime"] as? String ?? "", f["Handler"] as? String ?? "",
                        "\(f["MemorySize"] as? Int ?? 0) MB", "\(f["Timeout"] as? Int ?? 0) s", f["LastModified"] as? String ?? "",
                    ]
                })
        }
    }
}

struct Routes: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List HTTP routes (served on the --http-port listener).")

    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await runReporting {
            let routes = try await options.client().routes()
            if options.json {
                Output.json(["Routes": routes])
                return
            }
            Output.table(
                ["ROUTE", "FUNCTION", "QUALIFIER"],
                routes.map { r in
                    [r["RouteKey"] as? String ?? "", r["FunctionName"] as? String ?? "", r["Qualifier"] as? String ?? "$LATEST"]
                })
        }
    }
}

struct APIKeys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api-keys", abstract: "Manage API keys for routes with `auth: api-key`.",
        subcommands: [Create.self, ListKeys.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a key; it is shown this once.")
        @Argument(help: "A name for the key.") var name: String
        @OptionGroup var options: ClientOptions

        func run() async throws {
            try await runReporting {
                let key = try await options.client().createAPIKey(name: name)
                if options.json {
                    Output.json(key)
                } else {
                    print("\(key["Id"] as? String ?? "") \(key["Name"] as? String ?? "")")
                    print("key: \(key["Key"] as? String ?? "")   (shown once; send it as the x-api-key header)")
                }
            }
        }
    }

    struct ListKeys: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ls", abstract: "List keys (never the keys themselves).")
        @OptionGroup var options: ClientOptions

        func run() async throws {
            try await runReporting {
                let keys = try await options.client().apiKeys()
                if options.json {
                    Output.json(["ApiKeys": keys])
                    return
                }
                Output.table(
                    ["ID", "NAME", "CREATED"],
                    keys.map { [$0["Id"] as? String ?? "", $0["Name"] as? String ?? "", $0["CreatedDate"] as? String ?? ""] })
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key by id.")
        @Argument(help: "Key id (key-…).") var id: String
        @OptionGroup var options: ClientOptions

        func run() async throws {
            try await runReporting {
                try await options.client().revokeAPIKey(id: id)
                if options.json { Output.json(["Revoked": id]) } else { print("revoked \(id)") }
            }
        }
    }
}

struct Remove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Delete functions.")

    @Argument(help: "Function names.")
    var names: [String]

    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await runReporting {
            let client = try options.client()
            for name in names {
                try await client.deleteFunction(name)
                if !options.json { print("deleted \(name)") }
            }
            if options.json { Output.json(["Deleted": names]) }
        }
    }
}

struct Logs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a function's recent logs.")

    @Argument(help: "Function name.")
    var name: String

    @Flag(name: .shortAndLong, help: "Keep printing new logs as they arrive.")
    var follow = false

    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await runReporting {
            let client = try options.client()
            var token: String?
            repeat {
                let (text, next) = try await client.logs(name, after: token)
                if !text.isEmpty {
                    FileHandle.standardOutput.write(Data(text.utf8))
                }
                token = next
                if follow { try await Task.sleep(for: .seconds(1)) }
            } while follow
        }
    }
}
