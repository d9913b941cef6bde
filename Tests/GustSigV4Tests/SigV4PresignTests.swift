// Hand-written: no available Swift library verifies SigV4 on the server side, so Gust carries
// its own signer and verifier. Presigned URLs carry the whole signature in the query.

import Foundation
import Testing

@testable import GustSigV4

@Suite("Presigned URLs")
struct SigV4PresignTests {
    let signedAt = Fixtures.date("20260301T101500Z")

    func presigned(_ url: String, service: String = "s3", expires: TimeInterval = 600) -> URL {
        Fixtures.signer(service: service).presign(
            method: "GET", url: Fixtures.url(url), expires: expires, date: signedAt)
    }

    func verify(_ url: URL, at now: Date, body: [UInt8] = []) -> Result<SigV4Identity, SigV4Error> {
        Fixtures.verifier().verify(Fixtures.received(method: "GET", presigned: url, body: body), now: now)
    }

    @Test("accepted until it expires, rejected after", arguments: ["s3", "lambda"])
    func expiry(service: String) throws {
        let url = presigned("http://127.0.0.1:9000/bkt/dir/a%20b%3Ac.txt", service: service)
        let identity = try verify(url, at: signedAt + 600).get()
        #expect(identity.payloadHash == "UNSIGNED-PAYLOAD")
        #expect(identity.service == service)
        #expect(Fixtures.failure(verify(url, at: signedAt + 601)) == .requestExpired)
    }

    @Test("the body is not part of a presigned signature")
    func anyBody() {
        let url = presigned("http://127.0.0.1:9000/bkt/key")
        #expect(Fixtures.failure(verify(url, at: signedAt, body: Array("upload".utf8))) == nil)
    }

    @Test("a URL used long before its signing time is rejected")
    func notYetValid() {
        let url = presigned("http://127.0.0.1:9000/bkt/key")
        #expect(Fixtures.failure(verify(url, at: signedAt - 901)) == .requestExpired)
    }

    @Test("the caller's own query parameters are kept and signed")
    func existingQuery() throws {
        let url = presigned("http://127.0.0.1:9000/bkt/key?versionId=3&response-content-type=text%2Fplain")
        let query = try #require(url.query(percentEncoded: true))
        #expect(query.contains("versionId=3"))
        #expect(query.contains("response-content-type=text%2Fplain"))
        #expect(Fixtures.failure(verify(url, at: signedAt)) == nil)
        let changed = Fixtures.url(url.absoluteString.replacingOccurrences(of: "versionId=3", with: "versionId=4"))
        #expect(Fixtures.failure(verify(changed, at: signedAt)) == .signatureMismatch)
    }

    @Test("stretching X-Amz-Expires breaks the signature")
    func stretchedExpiry() {
        let url = presigned("http://127.0.0.1:9000/bkt/key")
        let stretched = Fixtures.url(
            url.absoluteString.replacingOccurrences(of: "X-Amz-Expires=600", with: "X-Amz-Expires=6000"))
        #expect(Fixtures.failure(verify(stretched, at: signedAt)) == .signatureMismatch)
    }

    @Test("another path with the same query is a signature mismatch")
    func otherPath() throws {
        let url = presigned("http://127.0.0.1:9000/bkt/key")
        var request = Fixtures.received(method: "GET", presigned: url)
        request.rawPath = "/bkt/other"
        #expect(Fixtures.failure(Fixtures.verifier().verify(request, now: signedAt)) == .signatureMismatch)
    }

    @Test(
        "missing or invalid presign parameters are incomplete",
        arguments: [
            "X-Amz-Signature", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders",
        ])
    func missingParameter(name: String) throws {
        let url = presigned("http://127.0.0.1:9000/bkt/key")
        var request = Fixtures.received(method: "GET", presigned: url)
        let query = try #require(request.rawQuery)
        request.rawQuery = query.split(separator: "&").filter { !$0.hasPrefix(name + "=") }.joined(separator: "&")
        #expect(request.rawQuery != query)
        #expect(Fixtures.failure(Fixtures.verifier().verify(request, now: signedAt)) == .incompleteSignature)
    }

    @Test("an expiry beyond a week is refused")
    func tooLong() {
        var request = Fixtures.received(method: "GET", presigned: presigned("http://127.0.0.1:9000/bkt/key"))
        request.rawQuery = request.rawQuery?.replacingOccurrences(of: "X-Amz-Expires=600", with: "X-Amz-Expires=604801")
        #expect(Fixtures.failure(Fixtures.verifier().verify(request, now: signedAt)) == .incompleteSignature)
    }

    @Test("the signer clamps the expiry to a week")
    func clampedExpiry() throws {
        let query = try #require(presigned("http://127.0.0.1:9000/bkt/key", expires: 30 * 86_400).query())
        #expect(query.contains("X-Amz-Expires=604800"))
    }

    @Test("an Authorization header next to a presigned query is refused")
    func bothMechanisms() {
        var request = Fixtures.received(method: "GET", presigned: presigned("http://127.0.0.1:9000/bkt/key"))
        request.headers.append(("Authorization", "AWS4-HMAC-SHA256 Credential=x"))
        #expect(Fixtures.failure(Fixtures.verifier().verify(request, now: signedAt)) == .incompleteSignature)
    }

    @Test("an unknown key in a presigned URL is reported as such")
    func unknownKey() {
        let url = SigV4Signer(accessKey: "AKIDUNKNOWN", secretKey: "s", region: "us-east-1", service: "s3")
            .presign(method: "GET", url: Fixtures.url("http://127.0.0.1:9000/bkt/key"), expires: 60, date: signedAt)
        #expect(Fixtures.failure(verify(url, at: signedAt)) == .invalidAccessKey)
    }
}
