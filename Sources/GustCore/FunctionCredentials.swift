/// A function's own AWS key, which its instances sign their calls to Gust's services with. Shaped
/// like AWS's temporary credentials (an `ASIA` access key and a session token), as a Lambda
/// function's are, so that SDKs treat it the same way. Never the root key: it names the function
/// in the audit trail, and it stops working the moment the function is deleted.
public struct FunctionCredentials: Sendable, Hashable, Codable {
    public var functionName: String
    public var accessKeyId: String
    public var secretAccessKey: String
    public var sessionToken: String

    public init(functionName: String, accessKeyId: String, secretAccessKey: String, sessionToken: String) {
        self.functionName = functionName
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    /// Who a request signed with this key comes from, as logs name it.
    public var principal: String { Self.principal(functionName) }

    public static func principal(_ functionName: String) -> String { "function:\(functionName)" }

    /// AWS's temporary access keys: `ASIA` and 16 characters of base32.
    public static let accessKeyPrefix = "ASIA"
    static let base32 = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    static let secretAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")

    /// A new key: 80 random bits of key id, 240 of secret and 384 of session token.
    public static func generate(for functionName: String) -> FunctionCredentials {
        var generator = SystemRandomNumberGenerator()
        return FunctionCredentials(
            functionName: functionName,
            accessKeyId: accessKeyPrefix + random(16, base32, using: &generator),
            secretAccessKey: random(40, secretAlphabet, using: &generator),
            sessionToken: random(64, secretAlphabet, using: &generator))
    }

    /// Unbiased: both alphabets have a power-of-two size.
    private static func random(_ count: Int, _ alphabet: [Character], using generator: inout SystemRandomNumberGenerator) -> String {
        String((0..<count).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
    }

    /// The variables AWS's SDKs read their credentials from.
    public var environment: [String: String] {
        [
            "AWS_ACCESS_KEY_ID": accessKeyId,
            "AWS_SECRET_ACCESS_KEY": secretAccessKey,
            "AWS_SESSION_TOKEN": sessionToken,
        ]
    }
}
