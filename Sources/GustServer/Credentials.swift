import Foundation
import GustCore

/// The root access key. Taken from the environment when given; otherwise generated on first start
/// and kept in the data directory (mode 0600), which is also where the CLI on the same machine
/// finds it.
public struct Credentials: Sendable, Codable, Equatable {
    public var accessKeyId: String
    public var secretAccessKey: String

    enum CodingKeys: String, CodingKey {
        case accessKeyId = "AccessKeyId"
        case secretAccessKey = "SecretAccessKey"
    }

    public init(accessKeyId: String, secretAccessKey: String) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
    }

    public static func file(in dataDirectory: String) -> String { "\(dataDirectory)/credentials.json" }

    public static func load(from dataDirectory: String) -> Credentials? {
        guard let data = FileManager.default.contents(atPath: file(in: dataDirectory)) else { return nil }
        return try? JSONDecoder().decode(Credentials.self, from: data)
    }

    /// Returns the credentials and whether they were generated just now.
    static func loadOrCreate(in dataDirectory: String) throws(GustError) -> (Credentials, created: Bool) {
        if let existing = load(from: dataDirectory) { return (existing, false) }
        let credentials = Credentials(
            accessKeyId: "GUST" + random(16, alphabet: "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"),
            secretAccessKey: random(40, alphabet: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"))
        do {
            let data = try JSONEncoder().encode(credentials)
            let path = file(in: dataDirectory)
            guard FileManager.default.createFile(atPath: path, contents: data, attributes: [.posixPermissions: 0o600]) else {
                throw GustError.internalError("cannot write \(path)")
            }
        } catch {
            throw .internalError("cannot store credentials: \(error)")
        }
        return (credentials, true)
    }

    private static func random(_ count: Int, alphabet: String) -> String {
        let characters = Array(alphabet)
        var generator = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in characters[Int(generator.next() % UInt64(characters.count))] })
    }
}
