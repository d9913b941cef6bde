import Foundation
import GustCore
import GustSigV4

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A SigV4-signing client for Gust's APIs, used by the CLI and the tests: it talks to the server
/// exactly like awscli does, so the CLI needs no privileged path.
public struct GustClient: Sendable {
    public let endpoint: URL
    let signer: SigV4Signer
    /// Requests for Gust's SQS are signed for the `sqs` service: the gateway routes by it.
    let queueSigner: SigV4Signer
    /// And those for its S3 for the `s3` service, which also signs the payload's hash in a header.
    let objectSigner: SigV4Signer
    let session: URLSession

    public init(endpoint: URL, accessKey: String, secretKey: String) {
        self.endpoint = endpoint
        self.signer = SigV4Signer(accessKey: accessKey, secretKey: secretKey, region: FunctionName.region, service: "lambda")
        self.queueSigner = SigV4Signer(accessKey: accessKey, secretKey: secretKey, region: FunctionName.region, service: "sqs")
        self.objectSigner = SigV4Signer(accessKey: accessKey, secretKey: secretKey, region: FunctionName.region, service: "s3")
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 960
        configuration.timeoutIntervalForResource = 960
        self.session = URLSession(configuration: configuration)
    }

    public struct Reply: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: [UInt8]

        public func header(_ name: String) -> String? {
            headers.first { $0.key.lowercased() == name.lowercased() }?.value
        }

        public var json: [String: Any]? {
            (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
        }
    }

    /// Sends a signed request. `path` is already percent-encoded.
    public func send(
        _ method: String, _ path: String, query: [(String, String)] = [], body: [UInt8] = [],
        headers: [String: String] = [:], signer: SigV4Signer? = nil
    ) async throws -> Reply {
        let signer = signer ?? self.signer
        var components = URLComponents(url: endpoint, resolvingAgainstBaseURL: false)!
        components.percentEncodedPath = path
        if !query.isEmpty {
            components.percentEncodedQuery = query.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        }
        guard let url = components.url else { throw GustClientError(status: 0, code: "InvalidURL", message: "cannot build a URL for \(path)") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        var allHeaders = headers
        if !body.isEmpty { allHeaders["Content-Type"] = allHeaders["Content-Type"] ?? "application/json" }
        for (name, value) in signer.sign(method: method, url: url, headers: allHeaders, body: body) {
            allHeaders[name] = value
        }
        for (name, value) in allHeaders { request.setValue(value, forHTTPHeaderField: name) }
        if !body.isEmpty { request.httpBody = Data(body) }
        let (data, response): (Data, URLResponse)
        do {
            (data, response) = try await session.data(for: request)
        } catch {
            throw GustClientError(status: 0, code: "ConnectionFailed", message: "cannot reach Gust at \(endpoint.absoluteString): \(error.localizedDescription)")
        }
        let http = response as? HTTPURLResponse
        var replyHeaders: [String: String] = [:]
        for (key, value) in http?.allHeaderFields ?? [:] {
            if let key = key as? String, let value = value as? String { replyHeaders[key] = value }
        }
        return Reply(status: http?.statusCode ?? 0, headers: replyHeaders, body: Array(data))
    }

    /// Sends and turns an AWS error reply into a thrown `GustClientError`.
    public func call(
        _ method: String, _ path: String, query: [(String, String)] = [], json: [String: Any]? = nil,
        headers: [String: String] = [:]
    ) async throws -> Reply {
        let body = try json.map { Array(try JSONSerialization.data(withJSONObject: $0)) } ?? []
        let reply = try await send(method, path, query: query, body: body, headers: headers)
        guard (200..<300).contains(reply.status) else { throw GustClientError(reply) }
        return reply
    }

    public static func encode(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }
}

/// An error reply from Gust (or a failure to reach it), with AWS's error code.
public struct GustClientError: Error, Sendable, CustomStringConvertible {
    public var status: Int
    public var code: String
    public var message: String

    public init(status: Int, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    init(_ reply: GustClient.Reply) {
        let json = reply.json
        status = reply.status
        code = reply.header("x-amzn-ErrorType") ?? (json?["__type"] as? String) ?? "HTTP\(reply.status)"
        message = (json?["message"] as? String) ?? (json?["Message"] as? String) ?? String(decoding: reply.body, as: UTF8.self)
    }

    public var description: String { "\(code): \(message)" }
}
