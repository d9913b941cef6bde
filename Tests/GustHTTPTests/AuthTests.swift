import Crypto
import Foundation
import GustCore
import Testing
import _CryptoExtras

@testable import GustHTTP

func base64URL(_ data: Data) -> String {
    data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        .replacingOccurrences(of: "=", with: "")
}

func token(alg: String, claims: [String: Any], sign: (Data) -> Data) -> String {
    let header = base64URL(try! JSONSerialization.data(withJSONObject: ["alg": alg, "typ": "JWT"]))
    let payload = base64URL(try! JSONSerialization.data(withJSONObject: claims))
    let signature = sign(Data("\(header).\(payload)".utf8))
    return "\(header).\(payload).\(base64URL(signature))"
}

@Suite struct JWTTests {
    let secret = "top-secret-0123456789"
    var hs256: RouteAuth { RouteAuth(kind: .jwt, issuer: "https://issuer", audience: ["api"], secret: secret) }

    func hs(_ claims: [String: Any], secret: String? = nil) -> String {
        token(alg: "HS256", claims: claims) { data in
            Data(HMAC<SHA256>.authenticationCode(for: data, using: SymmetricKey(data: Data((secret ?? self.secret).utf8))))
        }
    }

    @Test func validHS256TokenGivesItsClaims() throws {
        let claims = try JWTVerifier.verify(
            hs(["sub": "ada", "iss": "https://issuer", "aud": "api", "exp": Date().timeIntervalSince1970 + 60]), auth: hs256
        ).get()
        #expect(claims["sub"] as? String == "ada")
    }

    @Test func invalidTokensAreRefused() {
        let future = Date().timeIntervalSince1970 + 60
        let cases: [(String, JWTVerifier.Failure)] = [
            (hs(["iss": "https://issuer", "aud": "api", "exp": future], secret: "wrong"), .badSignature),
            (hs(["iss": "https://issuer", "aud": "api", "exp": Date().timeIntervalSince1970 - 1]), .expired),
            (hs(["iss": "https://other", "aud": "api", "exp": future]), .wrongIssuer),
            (hs(["iss": "https://issuer", "aud": ["web"], "exp": future]), .wrongAudience),
            (hs(["iss": "https://issuer", "aud": "api", "nbf": future]), .notYetValid),
            (token(alg: "none", claims: ["iss": "https://issuer", "aud": "api"]) { _ in Data() }, .badAlgorithm),
            ("not.a.jwt", .malformed),
            (hs(["iss": "https://issuer", "aud": "api", "exp": "tomorrow"]), .malformed),
        ]
        for (token, failure) in cases {
            guard case .failure(let got) = JWTVerifier.verify(token, auth: hs256) else {
                Issue.record("accepted: \(failure)")
                continue
            }
            #expect(got == failure)
        }
    }

    @Test func rs256() throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let auth = RouteAuth(kind: .jwt, publicKey: key.publicKey.pemRepresentation)
        let good = token(alg: "RS256", claims: ["sub": "rs"]) { data in
            try! key.signature(for: SHA256.hash(data: data), padding: .insecurePKCS1v1_5).rawRepresentation
        }
        #expect((try JWTVerifier.verify(good, auth: auth).get())["sub"] as? String == "rs")
        let other = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let forged = token(alg: "RS256", claims: ["sub": "rs"]) { data in
            try! other.signature(for: SHA256.hash(data: data), padding: .insecurePKCS1v1_5).rawRepresentation
        }
        #expect(throws: JWTVerifier.Failure.self) { try JWTVerifier.verify(forged, auth: auth).get() }
        // An HS256 token signed with the public key text must not pass as RS256 (key confusion).
        let confused = token(alg: "HS256", claims: ["sub": "rs"]) { data in
            Data(HMAC<SHA256>.authenticationCode(for: data, using: SymmetricKey(data: Data(auth.publicKey!.utf8))))
        }
        #expect(throws: JWTVerifier.Failure.self) { try JWTVerifier.verify(confused, auth: auth).get() }
    }
}

@Suite struct CORSAndThrottleTests {
    @Test func preflightAndDecoration() {
        let cors = RouteCORS(allowOrigins: ["https://app.example"], allowMethods: ["GET", "POST"], allowHeaders: ["content-type"], maxAge: 600)
        let ok = CORS.preflight(origin: "https://app.example", cors: cors)
        #expect(ok.status == 204)
        #expect(ok.headers.contains(.init(name: "access-control-allow-origin", value: "https://app.example")))
        #expect(ok.headers.contains(.init(name: "access-control-allow-methods", value: "GET,POST")))
        #expect(ok.headers.contains(.init(name: "access-control-max-age", value: "600")))
        #expect(CORS.preflight(origin: "https://evil.example", cors: cors).headers.isEmpty)
        var response = HTTPTriggerResponse(status: 200, headers: [], body: [])
        CORS.decorate(&response, origin: "https://app.example", cors: cors)
        #expect(response.headers.contains(.init(name: "access-control-allow-origin", value: "https://app.example")))
        #expect(CORS.allowedOrigin("https://x", RouteCORS()) == "*")
    }

    @Test func tokenBucket() {
        var bucket = TokenBucket(rate: 2, burst: 3, now: 0)
        #expect(bucket.take(now: 0) == nil)
        #expect(bucket.take(now: 0) == nil)
        #expect(bucket.take(now: 0) == nil)
        let wait = bucket.take(now: 0)
        #expect(wait != nil && abs(wait! - 0.5) < 1e-9)
        #expect(bucket.take(now: 0.5) == nil)  // refilled one token
        #expect(bucket.take(now: 0.5) != nil)
    }
}
