// A function's own key is a temporary-style key: it verifies only with its session token, names
// its principal, and stops verifying the moment the table forgets it (revocation).

import Foundation
import Synchronization
import Testing

@testable import GustSigV4

@Suite("Keys with session tokens and principals")
struct SigV4FunctionKeyTests {
    static let functionKey = "ASIAABCDEFGHIJKLMNOP"
    static let functionSecret = "function-secret"
    static let token = "session-token-of-the-function"
    let signedAt = Fixtures.date("20260301T101500Z")
    let url = Fixtures.url("http://127.0.0.1:9000/")
    let body = Array("{\"QueueName\":\"q\"}".utf8)

    /// A key table like the server's: the root key, and function keys that can be revoked.
    final class Table: Sendable {
        let keys = Mutex<[String: SigV4Key]>([
            Fixtures.suiteAccessKey: SigV4Key(secret: Fixtures.suiteSecret, principal: "root"),
            functionKey: SigV4Key(secret: functionSecret, sessionToken: token, principal: "function:f"),
        ])
        var verifier: SigV4Verifier { SigV4Verifier(keys: { key in self.keys.withLock { $0[key] } }) }
    }

    func request(accessKey: String = functionKey, secret: String = functionSecret, token: String?) -> SigV4Request {
        var headers = ["Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.CreateQueue"]
        if let token { headers["X-Amz-Security-Token"] = token }
        let signer = SigV4Signer(accessKey: accessKey, secretKey: secret, region: "us-east-1", service: "sqs")
        let added = signer.sign(method: "POST", url: url, headers: headers, body: body, date: signedAt)
        return Fixtures.received(method: "POST", url: url, headers: headers, added: added, body: body)
    }

    @Test("a function key with its token verifies and names the function")
    func accepted() throws {
        let identity = try Table().verifier.verify(request(token: Self.token), now: signedAt + 5).get()
        #expect(identity.principal == "function:f")
        #expect(identity.accessKey == Self.functionKey)
    }

    @Test("a function key without its token, or with another, is refused", arguments: [nil, "another-token"])
    func tokenMismatch(token: String?) {
        let table = Table()
        #expect(Fixtures.failure(table.verifier.verify(request(token: token), now: signedAt + 5)) == .invalidAccessKey)
        #expect(table.verifier.preflight(request(token: token), now: signedAt + 5)?.code == .invalidAccessKey)
    }

    @Test("a token sent with a key that has none is refused")
    func tokenForRootKey() throws {
        let table = Table()
        let plain = request(accessKey: Fixtures.suiteAccessKey, secret: Fixtures.suiteSecret, token: nil)
        #expect(try table.verifier.verify(plain, now: signedAt + 5).get().principal == "root")
        let withToken = request(accessKey: Fixtures.suiteAccessKey, secret: Fixtures.suiteSecret, token: Self.token)
        #expect(Fixtures.failure(table.verifier.verify(withToken, now: signedAt + 5)) == .invalidAccessKey)
    }

    @Test("a revoked key is refused at once, by the same verifier")
    func revoked() {
        let table = Table()
        let verifier = table.verifier
        #expect(Fixtures.failure(verifier.verify(request(token: Self.token), now: signedAt + 5)) == nil)
        table.keys.withLock { $0[Self.functionKey] = nil }
        #expect(Fixtures.failure(verifier.verify(request(token: Self.token), now: signedAt + 5)) == .invalidAccessKey)
        #expect(verifier.preflight(request(token: Self.token), now: signedAt + 5)?.code == .invalidAccessKey)
    }

    @Test("a presigned URL carries the token in its query", arguments: [(SigV4FunctionKeyTests.token, true), ("wrong", false)])
    func presignedToken(sent: String, accepted: Bool) {
        let signer = SigV4Signer(accessKey: Self.functionKey, secretKey: Self.functionSecret, region: "us-east-1", service: "sqs")
        let url = signer.presign(
            method: "GET", url: Fixtures.url("http://127.0.0.1:9000/?X-Amz-Security-Token=\(sent)"), expires: 60, date: signedAt)
        let result = Table().verifier.verify(Fixtures.received(method: "GET", presigned: url), now: signedAt + 5)
        #expect(Fixtures.failure(result) == (accepted ? nil : .invalidAccessKey))
    }
}
