// Hand-written: no available Swift library verifies SigV4 on the server side, so Gust carries
// its own signer and verifier. These tests feed the verifier requests signed by others (AWS's
// published examples), so they do not depend on Gust's own signer being right.

import Foundation
import Testing

@testable import GustSigV4

@Suite("SigV4Verifier against AWS's published requests")
struct SigV4VerifierVectorTests {
    static let scope = "Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request"

    /// A test-suite request as it arrives: the raw request line's path and query, its headers.
    static func suiteRequest(
        _ method: String = "GET", path: String, query: String? = nil,
        headers: [(name: String, value: String)] = [], signedHeaders: String = "host;x-amz-date",
        signature: String, body: String = ""
    ) -> SigV4Request {
        let all =
            [(name: "Host", value: "example.amazonaws.com"), (name: "X-Amz-Date", value: "20150830T123600Z")]
            + headers + [
                (
                    name: "Authorization",
                    value: "AWS4-HMAC-SHA256 \(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"
                )
            ]
        return SigV4Request(method: method, rawPath: path, rawQuery: query, headers: all, body: Array(body.utf8))
    }

    static let accepted: [(String, SigV4Request)] = [
        (
            "get-vanilla",
            suiteRequest(path: "/", signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
        ),
        (
            "get-space",
            suiteRequest(
                path: "/example space/", signature: "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741")
        ),
        (
            "get-utf8",
            suiteRequest(path: "/ሴ", signature: "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85")
        ),
        (
            "get-slashes",
            suiteRequest(
                path: "//example//", signature: "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84")
        ),
        (
            "get-vanilla-query-order-key-case",
            suiteRequest(
                path: "/", query: "Param2=value2&Param1=value1",
                signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500")
        ),
        (
            "get-header-key-duplicate",
            suiteRequest(
                path: "/",
                headers: [("My-Header1", "value2"), ("My-Header1", "value2"), ("My-Header1", "value1")],
                signedHeaders: "host;my-header1;x-amz-date",
                signature: "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea")
        ),
        (
            "get-header-value-trim",
            suiteRequest(
                path: "/", headers: [("My-Header1", "value1"), ("My-Header2", "\"a   b   c\"")],
                signedHeaders: "host;my-header1;my-header2;x-amz-date",
                signature: "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736")
        ),
        (
            "post-x-www-form-urlencoded",
            suiteRequest(
                "POST", path: "/", headers: [("Content-Type", "application/x-www-form-urlencoded")],
                signedHeaders: "content-type;host;x-amz-date",
                signature: "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a", body: "Param1=value1")
        ),
    ]

    @Test("accepts the test-suite request", arguments: accepted.map(\.0))
    func acceptsSuiteRequest(_ name: String) throws {
        let request = try #require(Self.accepted.first { $0.0 == name }?.1)
        let result = Fixtures.verifier().verify(request, now: Fixtures.suiteDate)
        let identity = try result.get()
        #expect(identity.accessKey == "AKIDEXAMPLE")
        #expect(identity.region == "us-east-1")
        #expect(identity.service == "service")
        #expect(identity.date == Fixtures.suiteDate)
    }

    @Test("rejects the test-suite request once anything signed changes", arguments: accepted.map(\.0))
    func rejectsAlteredSuiteRequest(_ name: String) throws {
        var request = try #require(Self.accepted.first { $0.0 == name }?.1)
        request.rawPath += "x"
        #expect(Fixtures.failure(Fixtures.verifier().verify(request, now: Fixtures.suiteDate)) == .signatureMismatch)
    }

    @Test("get-header-key-duplicate: repeated headers are joined in the order received")
    func duplicateHeaderOrder() throws {
        var request = try #require(Self.accepted.first { $0.0 == "get-header-key-duplicate" }?.1)
        // Swap the first "value2" with "value1": same values, different order, different meaning.
        request.headers[2].value = "value1"
        request.headers[4].value = "value2"
        #expect(Fixtures.failure(Fixtures.verifier().verify(request, now: Fixtures.suiteDate)) == .signatureMismatch)
    }

    /// The S3 documentation's PUT example: key `test$file.text` sent as `%24`, both `Date` and
    /// `X-Amz-Date` signed, body hash in `x-amz-content-sha256`.
    static func s3DocsPut(body: String = "Welcome to Amazon S3.") -> SigV4Request {
        SigV4Request(
            method: "PUT", rawPath: "/test%24file.text",
            headers: [
                ("Host", "examplebucket.s3.amazonaws.com"),
                ("Date", "Fri, 24 May 2013 00:00:00 GMT"),
                ("x-amz-date", "20130524T000000Z"),
                ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
                ("x-amz-content-sha256", "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"),
                (
                    "Authorization",
                    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
                        + "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,"
                        + "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"
                ),
            ], body: Array(body.utf8))
    }

    @Test("S3 docs example: PUT object verifies, with its body")
    func s3DocsPutVerifies() throws {
        let identity = try Fixtures.verifier().verify(Self.s3DocsPut(), now: Fixtures.s3DocsDate).get()
        #expect(identity.service == "s3")
        #expect(identity.payloadHash == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
    }

    @Test("S3 docs example: PUT object with another body fails although the headers are intact")
    func s3DocsPutOtherBody() {
        let result = Fixtures.verifier().verify(Self.s3DocsPut(body: "Welcome to Amazon S4."), now: Fixtures.s3DocsDate)
        #expect(Fixtures.failure(result) == .signatureMismatch)
    }

    @Test("S3 docs example: presigned GET verifies within its day and not after")
    func s3DocsPresigned() {
        let request = SigV4Request(
            method: "GET", rawPath: "/test.txt",
            rawQuery: "X-Amz-Algorithm=AWS4-HMAC-SHA256"
                + "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
                + "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
                + "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404",
            headers: [("Host", "examplebucket.s3.amazonaws.com")])
        let verifier = Fixtures.verifier()
        #expect(Fixtures.failure(verifier.verify(request, now: Fixtures.s3DocsDate + 86_399)) == nil)
        #expect(Fixtures.failure(verifier.verify(request, now: Fixtures.s3DocsDate + 86_401)) == .requestExpired)
    }
}

@Suite struct SigV4HostileInputTests {
    @Test func absurdDatesAreRejectedNotCrashing() {
        let verifier = SigV4Verifier(credentials: { _ in "secret" })
        for date in ["Mon, 01 Jan 999999999999999 00:00:00 GMT", "Mon, 01 Jan -5 00:00:00 GMT"] {
            let request = SigV4Request(
                method: "GET", rawPath: "/", headers: [
                    (name: "Authorization", value: "AWS4-HMAC-SHA256 Credential=a/20240101/r/s/aws4_request,SignedHeaders=host,Signature=x"),
                    (name: "Host", value: "h"), (name: "Date", value: date),
                ])
            guard case .failure = verifier.verify(request) else {
                Issue.record("expected a failure for \(date)")
                continue
            }
        }
        let longStamp = SigV4Request(
            method: "GET", rawPath: "/", headers: [
                (name: "Authorization", value: "AWS4-HMAC-SHA256 Credential=a/20240101/r/s/aws4_request,SignedHeaders=host,Signature=x"),
                (name: "Host", value: "h"), (name: "X-Amz-Date", value: "99999999999999999999T000000Z"),
            ])
        guard case .failure = verifier.verify(longStamp) else {
            Issue.record("expected a failure for an overlong X-Amz-Date")
            return
        }
    }

    @Test func preflightRejectsUnknownKeysWithoutTheBody() {
        let verifier = SigV4Verifier(credentials: { $0 == "AK" ? "secret" : nil })
        let signer = SigV4Signer(accessKey: "AK", secretKey: "secret", region: "us-east-1", service: "lambda")
        let url = URL(string: "http://127.0.0.1:9000/2015-03-31/functions/f/invocations")!
        let signed = signer.sign(method: "POST", url: url, body: Array("{}".utf8))
        var headers = signed.map { (name: $0.key, value: $0.value) }
        headers.append((name: "Host", value: "127.0.0.1:9000"))
        let good = SigV4Request(method: "POST", rawPath: url.path, headers: headers)
        #expect(verifier.preflight(good) == nil)
        let stranger = SigV4Verifier(credentials: { _ in nil })
        #expect(stranger.preflight(good)?.code == .invalidAccessKey)
        let unsigned = SigV4Request(method: "POST", rawPath: url.path, headers: [(name: "Host", value: "h")])
        #expect(verifier.preflight(unsigned)?.code == .missingAuthentication)
    }
}
