import Foundation
import Yams

/// `gust.yaml`: the functions of an app, loaded into plain values before anything is deployed.
struct Manifest: Decodable {
    struct Function: Decodable {
        var name: String
        var runtime: String
        var handler: String?
        var code: String?
        var memory: Int?
        var timeout: Int?
        var environment: [String: String]?
        var concurrency: Int?
        var keepAlive: Int?
        var description: String?
        var events: [Event]?
    }

    /// `events: - http: {method: GET, path: /items/{id}}`
    struct Event: Decodable {
        struct HTTP: Decodable {
            var method: String?
            var path: String
            var qualifier: String?
        }

        var http: HTTP?
    }

    var functions: [Function]

    static func load(directory: String) throws -> Manifest {
        let path = directory.hasSuffix(".yaml") || directory.hasSuffix(".yml") ? directory : "\(directory)/gust.yaml"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError("cannot read \(path)")
        }
        do {
            let manifest = try YAMLDecoder().decode(Manifest.self, from: data)
            guard !manifest.functions.isEmpty else { throw CLIError("\(path) declares no functions") }
            return manifest
        } catch let error as CLIError {
            throw error
        } catch let error as DecodingError {
            throw CLIError("\(path): \(Self.describe(error))")
        } catch {
            throw CLIError("\(path): \(error)")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            return "missing '\(key.stringValue)' at \(path(context))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "\(context.debugDescription) at \(path(context))"
        @unknown default:
            return "\(error)"
        }
    }

    private static func path(_ context: DecodingError.Context) -> String {
        let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return path.isEmpty ? "top level" : path
    }
}
