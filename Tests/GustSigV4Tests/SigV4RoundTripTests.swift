// Hand-written: no available Swift library verifies SigV4 on the server side, so Gust carries
// its own signer and verifier. Each test signs a request, changes one thing, and expects the
// verifier to name the right failure.

import Foundation
import Testing

@testable import GustSigV4

private let scope = "AKIDEXAMPLE/20260301/us-east-1/lambda"

@Suite("Signer to verifier round trips")
struct SigV4RoundTripTests {
    let signedAt = Fixtures.date("20260301T101500Z")
    let url = Fixtures.url("http://127.0.0.1:9000/2015-03-31/functions/my-func%3A1/invocations?Qualifier=live")
    let headers = ["Content-Type": "application/json", "X-Amz-Target": "Invoke"]
    let body = Array("{\"hello\":\"world\"}".utf8)

    func signed(service: String = "lambda", secret: String = Fixtures.suiteSecret) -> SigV4Request {
        let added = Fixtures.signer(service: service, secret: secret).sign(
            method: "POST", url: url, headers: headers, body: body, date: signedAt)
        return Fixtures.received(method: "POST", url: url, headers: headers, added: added, body: body)
    }

    func verify(_ request: SigV4Request, at now: Date? = nil) -> Result<SigV4Identity, SigV4Error> {
        Fixtures.verifier().verify(request, now: now ?? signedAt + 5)
    }

    @Test("an untouched request verifies, for S3 and for other services", arguments: ["lambda", "s3", "sqs"])
    func accepts(service: String) throws {
        let identity = try verify(signed(service: service)).get()
        #expect(
            identity
                == SigV4Identity(
                    accessKey: "AKIDEXAMPLE", region: "us-east-1", service: service, date: signedAt,
                    payloadHash: SigV4Crypto.sha256Hex(body), signature: identity.signature, principal: "AKIDEXAMPLE"))
        #expect(identity.signature.count == 64)
    }

    @Test("a changed body is a signature mismatch", arguments: ["lambda", "s3"])
    func tamperedBody(service: String) {
        var request = signed(service: service)
        request.body = Array("{\"hello\":\"there\"}".utf8)
        #expect(Fixtures.failure(verify(request)) == .signatureMismatch)
    }

    @Test("a precomputed payload hash stands in for the body")
    func precomputedPayloadHash() {
        var request = signed()
        request.body = []
        request.payloadHash = SigV4Crypto.sha256Hex(body)
        #expect(Fixtures.failure(verify(request)) == nil)
        request.payloadHash = SigV4Crypto.sha256Hex([])
        #expect(Fixtures.failure(verify(request)) == .signatureMismatch)
    }

    @Test("a changed signed header is a signature mismatch")
    func tamperedHeader() throws {
        var request = signed()
        let index = try #require(request.headers.firstIndex { $0.name == "X-Amz-Target" })
        request.headers[index].value = "DeleteFunction"
        #expect(Fixtures.failure(verify(request)) == .signatureMismatch)
    }

    @Test("unsigned headers may be added and signed header names may change case")
    func unsignedHeaderAdded() {
        var request = signed()
        request.headers.append(("X-Forwarded-For", "10.0.0.1"))
        request.headers = request.headers.map { ($0.name.uppercased() == "HOST" ? "host" : $0.name, $0.value) }
        #expect(Fixtures.failure(verify(request)) == nil)
    }

    @Test("a second value for a signed header is a signature mismatch")
    func repeatedSignedHeader() {
        var request = signed()
        request.headers.append(("content-type", "text/plain"))
        #expect(Fixtures.failure(verify(request)) == .signatureMismatch)
    }

    @Test("a changed path is a signature mismatch")
    func tamperedPath() {
        var request = signed()
        request.rawPath = "/2015-03-31/functions/my-func%3A2/invocations"
        #expect(Fixtures.failure(verify(request)) == .signatureMismatch)
    }

    @Test("a changed or extra query parameter is a signature mismatch")
    func tamperedQuery() {
        var request = signed()
        request.rawQuery = "Qualifier=prod"
        #expect(Fixtures.failure(verify(request)) == .signatureMismatch)
        request.rawQuery = "Qualifier=live&extra=1"
        #expect(Fixtures.failure(verify(request)) == .signatureMismatch)
    }

    @Test("query parameters may arrive in another order or encoding")
    func reorderedQuery() {
        let url = Fixtures.url("http://127.0.0.1:9000/queue?b=2&a=x%20y")
        let added = Fixtures.signer(service: "sqs").sign(method: "GET", url: url, date: signedAt)
        var request = Fixtures.received(method: "GET", url: url, added: added)
        request.rawQuery = "a=x%20y&b=2"
        #expect(Fixtures.failure(verify(request)) == nil)
        request.rawQuery = "a=x%20y&b=%32"
        #expect(Fixtures.failure(verify(request)) == nil)
    }

    @Test("a changed method is a signature mismatch")
    func tamperedMethod() {
        var request = signed()
        request.method = "PUT"
        #expect(Fixtures.failure(verify(request)) == .signatureMismatch)
    }

    @Test("a wrong secret is a signature mismatch")
    func wrongSecret() {
        #expect(Fixtures.failure(verify(signed(secret: "not-the-secret"))) == .signatureMismatch)
    }

    @Test("an unknown access key is reported as such")
    func unknownKey() {
        let added = SigV4Signer(accessKey: "AKIDUNKNOWN", secretKey: "s", region: "us-east-1", service: "lambda")
            .sign(method: "GET", url: url, date: signedAt)
        let result = verify(Fixtures.received(method: "GET", url: url, added: added))
        #expect(Fixtures.failure(result) == .invalidAccessKey)
    }

    @Test("no Authorization header and no presigned query is missing authentication")
    func noAuthentication() {
        var request = signed()
        request.headers.removeAll { $0.name == "Authorization" }
        #expect(Fixtures.failure(verify(request)) == .missingAuthentication)
    }

    @Test("a request without X-Amz-Date or Date is incomplete")
    func missingDate() {
        var request = signed()
        request.headers.removeAll { $0.name == "X-Amz-Date" }
        #expect(Fixtures.failure(verify(request)) == .incompleteSignature)
    }

    @Test("a signed header the request no longer carries is a signature mismatch")
    func missingSignedHeader() {
        var request = signed()
        request.headers.removeAll { $0.name == "X-Amz-Target" }
        #expect(Fixtures.failure(verify(request)) == .signatureMismatch)
    }

    @Test(
        "a malformed Authorization header is incomplete",
        arguments: [
            // No Signature.
            "AWS4-HMAC-SHA256 Credential=\(scope)/aws4_request, SignedHeaders=host;x-amz-date",
            // A credential scope without its terminator.
            "AWS4-HMAC-SHA256 Credential=\(scope), SignedHeaders=host;x-amz-date, Signature=ab",
            // Host not signed.
            "AWS4-HMAC-SHA256 Credential=\(scope)/aws4_request, SignedHeaders=x-amz-date, Signature=ab",
            // SigV2.
            "AWS AKIDEXAMPLE:c2lnbmF0dXJl",
        ])
    func malformedAuthorization(header: String) throws {
        var request = signed()
        let index = try #require(request.headers.firstIndex { $0.name == "Authorization" })
        request.headers[index].value = header
        #expect(Fixtures.failure(verify(request)) == .incompleteSignature)
    }

    @Test("a credential scope dated another day is a signature mismatch")
    func scopeDateMismatch() throws {
        var request = signed()
        let index = try #require(request.headers.firstIndex { $0.name == "Authorization" })
        request.headers[index].value = request.headers[index].value.replacingOccurrences(
            of: "/20260301/", with: "/20260302/")
        #expect(Fixtures.failure(verify(request)) == .signatureMismatch)
    }

    @Test("the signing time may be off by up to the allowed skew, either way")
    func clockSkew() {
        let request = signed()
        #expect(Fixtures.failure(verify(request, at: signedAt + 899)) == nil)
        #expect(Fixtures.failure(verify(request, at: signedAt - 899)) == nil)
        #expect(Fixtures.failure(verify(request, at: signedAt + 901)) == .requestExpired)
        #expect(Fixtures.failure(verify(request, at: signedAt - 901)) == .requestExpired)
        let strict = SigV4Verifier(credentials: { _ in Fixtures.suiteSecret }, maxClockSkew: 60)
        #expect(Fixtures.failure(strict.verify(request, now: signedAt + 61)) == .requestExpired)
    }

    @Test("a stale request says when it was signed, as AWS does")
    func staleMessage() throws {
        guard case .failure(let error) = verify(signed(), at: signedAt + 3600) else {
            Issue.record("a request signed an hour ago verified")
            return
        }
        let expected = "20260301T101500Z is now earlier than 20260301T110000Z (20260301T111500Z - 15 min.)"
        #expect(error.message == "Signature expired: " + expected)
    }

    @Test("x-amz-content-sha256 placeholders are signed literally and reported to the caller")
    func unsignedPayload() throws {
        let url = Fixtures.url("http://127.0.0.1:9000/bkt/key")
        for placeholder in ["UNSIGNED-PAYLOAD", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"] {
            let headers = ["X-Amz-Content-Sha256": placeholder]
            let added = Fixtures.signer(service: "s3").sign(method: "PUT", url: url, headers: headers, date: signedAt)
            let request = Fixtures.received(
                method: "PUT", url: url, headers: headers, added: added, body: Array("any".utf8))
            #expect(try verify(request).get().payloadHash == placeholder)
        }
    }

    @Test("the HTTP Date header may carry the signing time")
    func dateHeader() throws {
        let canonical = SigV4Canonical.request(
            method: "GET", uri: "/", query: "",
            headerBlock: "date:Sun, 01 Mar 2026 10:15:00 GMT\nhost:127.0.0.1:9000\n", signedHeaders: "date;host",
            payloadHash: SigV4Crypto.sha256Hex([]))
        let key = SigV4Crypto.signingKey(
            secret: Fixtures.suiteSecret, date: "20260301", region: "eu-west-1", service: "sqs")
        let signature = SigV4Crypto.signature(
            key: key,
            stringToSign: SigV4Canonical.stringToSign(
                timestamp: "20260301T101500Z", scope: "20260301/eu-west-1/sqs/aws4_request", canonicalRequest: canonical
            ))
        var request = SigV4Request(
            method: "GET", rawPath: "/",
            headers: [
                ("Host", "127.0.0.1:9000"), ("Date", "Sun, 01 Mar 2026 10:15:00 GMT"),
                (
                    "Authorization",
                    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260301/eu-west-1/sqs/aws4_request, "
                        + "SignedHeaders=date;host, Signature=\(signature)"
                ),
            ])
        let identity = try verify(request).get()
        #expect(identity.region == "eu-west-1")
        #expect(identity.date == signedAt)
        request.headers[1].value = "Sun, 01 Mar 2026 10:15:01 GMT"
        #expect(Fixtures.failure(verify(request)) == .signatureMismatch)
    }
}
