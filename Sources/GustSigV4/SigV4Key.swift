// Hand-written: no available Swift library verifies SigV4 on the server side, so Gust carries
// its own signer and verifier.

/// What the verifier knows of an access key: its secret, the session token a temporary key
/// comes with, and whom its requests are attributed to.
public struct SigV4Key: Sendable, Equatable {
    public var secret: String
    /// Set for temporary keys: every request signed with the key must carry it as
    /// `X-Amz-Security-Token`, and a request carrying one for a key without it is refused.
    public var sessionToken: String?
    /// Who signs with this key, as logs name it (`root`, `function:NAME`).
    public var principal: String

    public init(secret: String, sessionToken: String? = nil, principal: String) {
        self.secret = secret
        self.sessionToken = sessionToken
        self.principal = principal
    }
}
