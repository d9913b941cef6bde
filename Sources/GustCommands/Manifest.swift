import Foundation
import Yams

/// `gust.yaml`: the functions, queues and buckets of an app, loaded into plain values before
/// anything is deployed. The manifest's own objects, its functions and their events refuse keys they
/// do not know (`ManifestKeys`).
struct Manifest: Decodable {
    struct Function: Decodable, ManifestObject {
        var name: String
        var runtime: String
        var handler: String?
        var code: String?
        var memory: Int?
        var timeout: Int?
        var environment: [String: String]?
        var concurrency: Int?
        var keepAlive: Int?
        /// The private `/tmp` cap in MB (Lambda's EphemeralStorage.Size).
        var ephemeralStorage: Int?
        /// none, gust-only, egress (the default) or host.
        var network: String?
        var description: String?
        var events: [Event]?
        /// How asynchronous invocations are retried and where their results go.
        var async: Async?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case name, runtime, handler, code, memory, timeout, environment, concurrency, keepAlive, ephemeralStorage, network
            case description, events, async
        }

        static let keys = CodingKeys.allCases.map(\.rawValue)
    }

    /// `events: - http: {method: GET, path: /items/{id}}`, `- sqs: …` or `- s3: …`
    struct Event: Decodable {
        struct HTTP: Decodable {
            var method: String?
            var path: String
            var qualifier: String?
            var auth: Auth?
            var cors: CORS?
            var throttle: Throttle?
        }

        /// `auth: api-key`, `auth: none`, or `auth: {type: jwt, issuer, audience, secret | publicKey}`.
        struct Auth: Decodable {
            var type: String
            var issuer: String?
            var audience: [String]?
            var secret: String?
            var publicKey: String?

            init(from decoder: any Decoder) throws {
                if let text = try? decoder.singleValueContainer().decode(String.self) {
                    type = text
                    return
                }
                let container = try decoder.container(keyedBy: CodingKeys.self)
                type = try container.decode(String.self, forKey: .type)
                issuer = try container.decodeIfPresent(String.self, forKey: .issuer)
                audience = try container.decodeIfPresent([String].self, forKey: .audience)
                secret = try container.decodeIfPresent(String.self, forKey: .secret)
                publicKey = try container.decodeIfPresent(String.self, forKey: .publicKey)
            }

            enum CodingKeys: String, CodingKey { case type, issuer, audience, secret, publicKey }

            /// The API's wire form; `api-key`, `apiKey` and `API_KEY` all mean the same.
            var wire: [String: Any] {
                let normalized = type.uppercased().replacingOccurrences(of: "-", with: "_")
                var object: [String: Any] = ["Type": normalized == "APIKEY" ? "API_KEY" : normalized]
                if let issuer { object["Issuer"] = issuer }
                if let audience { object["Audience"] = audience }
                if let secret { object["Secret"] = secret }
                if let publicKey { object["PublicKey"] = publicKey }
                return object
            }
        }

        struct CORS: Decodable {
            var allowOrigins: [String]?
            var allowMethods: [String]?
            var allowHeaders: [String]?
            var exposeHeaders: [String]?
            var maxAge: Int?
            var allowCredentials: Bool?

            var wire: [String: Any] {
                var object: [String: Any] = [:]
                if let allowOrigins { object["AllowOrigins"] = allowOrigins }
                if let allowMethods { object["AllowMethods"] = allowMethods }
                if let allowHeaders { object["AllowHeaders"] = allowHeaders }
                if let exposeHeaders { object["ExposeHeaders"] = exposeHeaders }
                if let maxAge { object["MaxAge"] = maxAge }
                if let allowCredentials { object["AllowCredentials"] = allowCredentials }
                return object
            }
        }

        struct Throttle: Decodable {
            var rate: Double
            var burst: Int?
        }

        var http: HTTP?
        var sqs: SQS?
        var s3: S3?

        init(from decoder: any Decoder) throws {
            try Manifest.refuseUnknownKeys(decoder, known: CodingKeys.allCases.map(\.rawValue))
            let container = try decoder.container(keyedBy: CodingKeys.self)
            http = try container.decodeIfPresent(HTTP.self, forKey: .http)
            sqs = try container.decodeIfPresent(SQS.self, forKey: .sqs)
            s3 = try container.decodeIfPresent(S3.self, forKey: .s3)
        }

        enum CodingKeys: String, CodingKey, CaseIterable { case http, sqs, s3 }
    }

    var functions: [Function]
    /// Names this app's event source mappings (their `gust:deploy` tag) and bucket notifications
    /// (their Ids); the directory's name if absent.
    var name: String?
    var queues: [Queue]
    var buckets: [Bucket]

    init(from decoder: any Decoder) throws {
        try Self.refuseUnknownKeys(decoder, known: CodingKeys.allCases.map(\.rawValue))
        let container = try decoder.container(keyedBy: CodingKeys.self)
        functions = try container.decodeIfPresent([Checked<Function>].self, forKey: .functions)?.map(\.value) ?? []
        name = try container.decodeIfPresent(String.self, forKey: .name)
        queues = try container.decodeIfPresent([Queue].self, forKey: .queues) ?? []
        buckets = try container.decodeIfPresent([Bucket].self, forKey: .buckets) ?? []
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case functions, name, queues, buckets }

    static func load(directory: String) throws -> Manifest {
        let path = directory.hasSuffix(".yaml") || directory.hasSuffix(".yml") ? directory : "\(directory)/gust.yaml"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError("cannot read \(path)")
        }
        return try parse(data, path: path)
    }

    /// The manifest in `data`, read from `path` (named in errors). Apart from `load` so the fuzz
    /// target (Fuzz/Targets/manifest.swift) reaches it without a file.
    static func parse(_ data: Data, path: String) throws -> Manifest {
        do {
            let manifest = try YAMLDecoder().decode(Manifest.self, from: data)
            guard !manifest.functions.isEmpty || !manifest.queues.isEmpty || !manifest.buckets.isEmpty else {
                throw CLIError("\(path) declares no functions, no queues and no buckets")
            }
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
