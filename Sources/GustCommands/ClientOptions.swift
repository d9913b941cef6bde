import ArgumentParser
import Foundation
import GustClient
import GustServer

/// Where the server is and how to sign: flags, then `GUST_*` variables, then the credentials file
/// `gust serve` left in the (default) data directory.
struct ClientOptions: ParsableArguments {
    @Option(help: "Gust's API endpoint (env GUST_ENDPOINT).")
    var endpoint: String = ProcessInfo.processInfo.environment["GUST_ENDPOINT"] ?? "http://127.0.0.1:9000"

    @Option(name: .customLong("data-dir"), help: "Data directory to read generated credentials from (env GUST_DATA_DIR).")
    var dataDirectory: String = ProcessInfo.processInfo.environment["GUST_DATA_DIR"] ?? ".gust"

    @Flag(help: "Print JSON for scripts instead of tables.")
    var json = false

    func client() throws -> GustClient {
        guard let url = URL(string: endpoint), url.scheme != nil else {
            throw ValidationError("invalid endpoint \(endpoint)")
        }
        let env = ProcessInfo.processInfo.environment
        if let key = env["GUST_ACCESS_KEY"], let secret = env["GUST_SECRET_KEY"] {
            return GustClient(endpoint: url, accessKey: key, secretKey: secret)
        }
        if let stored = Credentials.load(from: dataDirectory) {
            return GustClient(endpoint: url, accessKey: stored.accessKeyId, secretKey: stored.secretAccessKey)
        }
        throw CLIError("no credentials: set GUST_ACCESS_KEY and GUST_SECRET_KEY, or run next to the data directory of `gust serve` (--data-dir)")
    }
}

/// A failure the CLI reports as one line and a non-zero exit.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

enum Output {
    static func json(_ object: Any) {
        if let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]) {
            print(String(decoding: data, as: UTF8.self))
        }
    }

    static func table(_ header: [String], _ rows: [[String]]) {
        let widths = header.indices.map { column in
            ([header[column]] + rows.map { $0[column] }).map(\.count).max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }
        print(line(header))
        for row in rows { print(line(row)) }
    }
}

/// Runs a client command body, turning errors into one line on stderr and exit code 1.
func runReporting(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ExitCode {
        throw error
    } catch let error as ValidationError {
        throw error
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode.failure
    }
}
