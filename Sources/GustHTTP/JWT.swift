// Written by hand: no JWT library is available here (vapor/jwt-kit would pull in Vapor's stack
// for two algorithms). Signatures are checked with swift-crypto.
import Crypto
import Foundation
import GustCore
import _CryptoExtras

/// Verifies bearer JWTs for a route: HS256 or RS256, then `exp`/`nbf`, `iss` and `aud`.
public enum JWTVerifier {
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case malformed, badAlgorithm, badSignature, expired, notYetValid, wrongIssuer, wrongAudience

        public var description: String {
            switch self {
            case .malformed: "malformed token"
            case .badAlgorithm: "unsupported or unexpected algorithm"
            case .badSignature: "bad signature"
            case .expired: "token expired"
            case .notYetValid: "token not valid yet"
            case .wrongIssuer: "wrong issuer"
            case .wrongAudience: "wrong audience"
            }
        }
    }

    /// The token's claims when it is valid for `auth`. `publicKey` is `auth.publicKey` already
    /// parsed (the route table keeps it); without it the PEM is parsed here.
    public static func verify(
        _ token: String, auth: RouteAuth, publicKey: _RSA.Signing.PublicKey? = nil, now: Date = Date()
    ) -> Result<[String: Any], Failure> {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerData = base64URL(parts[0]), let payloadData = base64URL(parts[1]),
            let signature = base64URL(parts[2]),
            let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any],
            let claims = try? JSONSerialization.jsonObject(with: payloadData) as? [String: Any]
        else { return .failure(.malformed) }
        let signed = Data("\(parts[0]).\(parts[1])".utf8)
        switch header["alg"] as? String {
        case "HS256":
            guard let secret = auth.secret else { return .failure(.badAlgorithm) }
            let key = SymmetricKey(data: Data(secret.utf8))
            guard HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: signed, using: key) else {
                return .failure(.badSignature)
            }
        case "RS256":
            guard let pem = auth.publicKey, let key = publicKey ?? (try? _RSA.Signing.PublicKey(pemRepresentation: pem)) else {
                return .failure(.badAlgorithm)
            }
            let valid = key.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: signature), for: SHA256.hash(data: signed),
                padding: .insecurePKCS1v1_5)
            guard valid else { return .failure(.badSignature) }
        default:
            // "none" and everything else: only the two configured algorithms are accepted.
            return .failure(.badAlgorithm)
        }
        let seconds = now.timeIntervalSince1970
        // Time claims, when present, must be numbers (NumericDate); a string is not ignored.
        for name in ["exp", "nbf"] where claims[name] != nil && !(claims[name] is NSNumber) {
            return .failure(.malformed)
        }
        if let exp = (claims["exp"] as? NSNumber)?.doubleValue, seconds >= exp { return .failure(.expired) }
        if let nbf = (claims["nbf"] as? NSNumber)?.doubleValue, seconds < nbf { return .failure(.notYetValid) }
        if let issuer = auth.issuer, claims["iss"] as? String != issuer { return .failure(.wrongIssuer) }
        if let audience = auth.audience, !audience.isEmpty {
            let tokenAudience = (claims["aud"] as? [String]) ?? (claims["aud"] as? String).map { [$0] } ?? []
            guard tokenAudience.contains(where: audience.contains) else { return .failure(.wrongAudience) }
        }
        return .success(claims)
    }

    static func base64URL<S: StringProtocol>(_ text: S) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }
}
