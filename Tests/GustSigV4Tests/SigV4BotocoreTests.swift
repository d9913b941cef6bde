// Hand-written: no available Swift library verifies SigV4 on the server side, so Gust carries
// its own signer and verifier.
//
// The requests below were captured from botocore 1.44.5 (the library under awscli and boto3)
// talking to http://127.0.0.1:9000 with the test-suite credentials: its real clients built,
// encoded and signed them. They pin the parts of SigV4 that the spec leaves to practice, above
// all the double encoding of non-S3 paths such as Lambda's `my-func%3A1`.

import Foundation
import Testing

@testable import GustSigV4

@Suite("Requests signed by botocore")
struct SigV4BotocoreTests {
    static let signedAt = Fixtures.date("20261122T024324Z")
    static let scope = "AKIDEXAMPLE/20261122/us-east-1"

    struct Captured: Sendable, CustomStringConvertible {
        var name: String
        var service: String
        var method: String
        var url: String
        /// Headers present when botocore signed (User-Agent and Expect are sent but never signed).
        var headers: [String: String] = [:]
        var body: String = ""
        var signedHeaders = "host;x-amz-date"
        var signature: String

        var description: String { name }

        var authorization: String {
            "AWS4-HMAC-SHA256 Credential=\(SigV4BotocoreTests.scope)/\(service)/aws4_request, "
                + "SignedHeaders=\(signedHeaders), Signature=\(signature)"
        }

        /// The request as the server receives it, with botocore's unsigned extras included.
        var received: SigV4Request {
            var request = Fixtures.received(
                method: method, url: Fixtures.url(url), headers: headers,
                added: ["X-Amz-Date": "20261122T024324Z", "Authorization": authorization], body: Array(body.utf8))
            request.headers += [
                ("User-Agent", "Botocore/1.44.5 ua/2.1 os/linux md/arch#x86_64 lang/python#3.11.7"),
                ("amz-sdk-invocation-id", "1d11e8b7-034e-4749-a26b-5d3c1267c041"),
                ("amz-sdk-request", "attempt=1; max=1"),
            ]
            if !body.isEmpty { request.headers.append(("Content-Length", String(body.utf8.count))) }
            return request
        }
    }

    static let captured: [Captured] = [
        Captured(
            name: "lambda Invoke my-func:1", service: "lambda", method: "POST",
            url: "http://127.0.0.1:9000/2015-03-31/functions/my-func%3A1/invocations", body: "{\"k\": \"v\"}",
            signature: "efe0ede042dc35491960700bc33aaf47811250a44f05e47f68ded55dd8d95699"),
        Captured(
            name: "lambda GetFunction by ARN", service: "lambda", method: "GET",
            url: "http://127.0.0.1:9000/2015-03-31/functions/"
                + "arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Amy-func",
            signature: "8f03fc66050815e9a25c2e153811c9a7147de44de2dafacd9bfe8cfffcf54d91"),
        Captured(
            name: "lambda ListFunctions with an encoded marker", service: "lambda", method: "GET",
            url: "http://127.0.0.1:9000/2015-03-31/functions?MaxItems=5&Marker=a%20b%2Fc%2Bd",
            signature: "a3ce5ff49987e8130707af8736d4312b7c8837e4a785bf158ac0fe5cc4ee8fe7"),
        Captured(
            name: "s3 PutObject with a checksum", service: "s3", method: "PUT",
            url: "http://127.0.0.1:9000/bkt/dir/a%20b%3Ac%24d.txt",
            headers: [
                "Expect": "100-continue", "x-amz-checksum-crc32": "NhCmhg==", "x-amz-sdk-checksum-algorithm": "CRC32",
                "X-Amz-Content-SHA256": "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
            ], body: "hello",
            signedHeaders: "host;x-amz-checksum-crc32;x-amz-content-sha256;x-amz-date;x-amz-sdk-checksum-algorithm",
            signature: "7a924762c5b2afbbee3b1ce32b9965ab94017ab5757c7f4c69aef30d8aae4b0b"),
        Captured(
            name: "s3 ListObjectsV2", service: "s3", method: "GET",
            url: "http://127.0.0.1:9000/bkt?list-type=2&prefix=dir%2Fa%20b&max-keys=2&encoding-type=url",
            headers: ["X-Amz-Content-SHA256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
            signedHeaders: "host;x-amz-content-sha256;x-amz-date",
            signature: "77f71b0ebe9c0fe1eac24a741a339a7b9676cfbd5cf7eed49dcf543aaa088c08"),
    ]

    @Test("the verifier accepts what botocore signed", arguments: captured)
    func verifierAccepts(_ request: Captured) throws {
        let identity = try Fixtures.verifier().verify(request.received, now: Self.signedAt + 30).get()
        #expect(identity.service == request.service)
        #expect(identity.date == Self.signedAt)
    }

    @Test("Gust's signer produces botocore's signature", arguments: captured)
    func signerMatches(_ request: Captured) {
        let added = Fixtures.signer(service: request.service).sign(
            method: request.method, url: Fixtures.url(request.url), headers: request.headers,
            body: Array(request.body.utf8), date: Self.signedAt)
        #expect(added["Authorization"] == request.authorization)
    }

    @Test("a tampered body is caught in botocore's requests", arguments: captured.filter { !$0.body.isEmpty })
    func tamperedBody(_ request: Captured) {
        var received = request.received
        received.body[0] ^= 0x01
        #expect(Fixtures.failure(Fixtures.verifier().verify(received, now: Self.signedAt)) == .signatureMismatch)
    }

    @Test("Lambda paths are double-encoded, S3 paths encoded once")
    func canonicalURIs() {
        let path = "/2015-03-31/functions/my-func%3A1/invocations"
        #expect(
            SigV4Signer.canonicalURI(encodedPath: path, service: "lambda")
                == "/2015-03-31/functions/my-func%253A1/invocations")
        #expect(SigV4Signer.canonicalURI(encodedPath: path, service: "s3") == path)
        // A path that arrives with `:` unencoded is encoded once either way.
        #expect(SigV4Signer.canonicalURI(encodedPath: "/functions/f:1", service: "lambda") == "/functions/f%3A1")
    }

    @Test("a client that encodes Lambda paths only once still verifies")
    func singleEncodingFallback() throws {
        // Sign by hand with the single-encoded canonical URI, as a non-botocore client might.
        let canonical = SigV4Canonical.request(
            method: "POST", uri: "/2015-03-31/functions/my-func%3A1/invocations", query: "",
            headerBlock: "host:127.0.0.1:9000\nx-amz-date:20261122T024324Z\n", signedHeaders: "host;x-amz-date",
            payloadHash: SigV4Crypto.sha256Hex(Array("{}".utf8)))
        let key = SigV4Crypto.signingKey(
            secret: Fixtures.suiteSecret, date: "20261122", region: "us-east-1", service: "lambda")
        let signature = SigV4Crypto.signature(
            key: key,
            stringToSign: SigV4Canonical.stringToSign(
                timestamp: "20261122T024324Z", scope: "20261122/us-east-1/lambda/aws4_request",
                canonicalRequest: canonical))
        let botocoreSignature = Self.captured[0].signature
        #expect(signature != botocoreSignature)

        var request = Self.captured[0]
        request.body = "{}"
        request.signature = signature
        #expect(Fixtures.failure(Fixtures.verifier().verify(request.received, now: Self.signedAt)) == nil)
    }

    @Test("botocore's presigned S3 URL (s3v4) verifies, and Gust presigns it identically")
    func s3Presigned() throws {
        let presigned = Fixtures.url(
            "http://127.0.0.1:9000/bkt/dir/a%20b%3Ac.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                + "&X-Amz-Credential=AKIDEXAMPLE%2F20261122%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261122T024329Z"
                + "&X-Amz-Expires=600&X-Amz-SignedHeaders=host"
                + "&X-Amz-Signature=61a15656c6d720c28940127086115d3844851e748403c10ea5b7d98dace3f1c1")
        let signedAt = Fixtures.date("20261122T024329Z")
        let request = Fixtures.received(method: "GET", presigned: presigned)
        #expect(Fixtures.failure(Fixtures.verifier().verify(request, now: signedAt + 599)) == nil)
        #expect(Fixtures.failure(Fixtures.verifier().verify(request, now: signedAt + 601)) == .requestExpired)

        let ours = Fixtures.signer(service: "s3").presign(
            method: "GET", url: Fixtures.url("http://127.0.0.1:9000/bkt/dir/a%20b%3Ac.txt"), expires: 600,
            date: signedAt)
        #expect(ours == presigned)
    }

    @Test("botocore's presigned Lambda URL verifies: double-encoded path, empty-body hash")
    func lambdaPresigned() {
        let presigned = Fixtures.url(
            "http://127.0.0.1:9000/2015-03-31/functions/my-func%3A1?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                + "&X-Amz-Credential=AKIDEXAMPLE%2F20261122%2Fus-east-1%2Flambda%2Faws4_request"
                + "&X-Amz-Date=20261122T024324Z&X-Amz-Expires=600&X-Amz-SignedHeaders=host"
                + "&X-Amz-Signature=509828bad2ee11dded24a6b11f8d261fe91a0f305f178659bf87fb6252cd3710")
        let request = Fixtures.received(method: "GET", presigned: presigned)
        #expect(Fixtures.failure(Fixtures.verifier().verify(request, now: Self.signedAt + 60)) == nil)
        var other = request
        other.rawPath = "/2015-03-31/functions/my-func%3A2"
        #expect(Fixtures.failure(Fixtures.verifier().verify(other, now: Self.signedAt + 60)) == .signatureMismatch)
    }
}
