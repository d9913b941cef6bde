// Hand-written: no available Swift library verifies SigV4 on the server side, so Gust carries
// its own signer and verifier. These tests pin the signer to AWS's published signatures.

import Foundation
import Testing

@testable import GustSigV4

/// One vector of AWS's SigV4 test suite (`aws-sig-v4-test-suite`), region us-east-1, service
/// `service`, signed at 20150830T123600Z.
struct SuiteVector: Sendable, CustomStringConvertible {
    var name: String
    var method: String
    var pathAndQuery: String
    var headers: [String: String] = [:]
    var body: String = ""
    var signedHeaders = "host;x-amz-date"
    var signature: String

    var description: String { name }
}

@Suite("SigV4Signer against AWS's published vectors")
struct SigV4SignerVectorTests {
    static let suite: [SuiteVector] = [
        SuiteVector(
            name: "get-vanilla", method: "GET", pathAndQuery: "/",
            signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        SuiteVector(
            name: "get-vanilla-query-order-key-case", method: "GET",
            pathAndQuery: "/?Param2=value2&Param1=value1",
            signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
        SuiteVector(
            name: "get-vanilla-empty-query-key", method: "GET", pathAndQuery: "/?Param1=value1",
            signature: "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"),
        SuiteVector(
            name: "get-vanilla-query-unreserved", method: "GET",
            pathAndQuery: "/?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz="
                + "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
            signature: "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"),
        SuiteVector(
            name: "post-vanilla", method: "POST", pathAndQuery: "/",
            signature: "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
        SuiteVector(
            name: "post-x-www-form-urlencoded", method: "POST", pathAndQuery: "/",
            headers: ["Content-Type": "application/x-www-form-urlencoded"], body: "Param1=value1",
            signedHeaders: "content-type;host;x-amz-date",
            signature: "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"),
        SuiteVector(
            name: "get-header-value-trim", method: "GET", pathAndQuery: "/",
            headers: ["My-Header1": " value1", "My-Header2": "\"a   b   c\""],
            signedHeaders: "host;my-header1;my-header2;x-amz-date",
            signature: "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"),
        // normalize-path vectors: services other than S3 sign the path with dot segments
        // resolved and runs of slashes collapsed.
        SuiteVector(
            name: "get-slashes", method: "GET", pathAndQuery: "//example//",
            signature: "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84"),
        SuiteVector(
            name: "get-slash-pointless-dot", method: "GET", pathAndQuery: "/./example",
            signature: "ef75d96142cf21edca26f06005da7988e4f8dc83a165a80865db7089db637ec5"),
        SuiteVector(
            name: "get-relative-relative", method: "GET", pathAndQuery: "/example1/example2/../..",
            signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
    ]

    // get-space and get-utf8 are checked in SigV4VerifierVectorTests: their request lines carry
    // raw bytes that a URL cannot hold, and a URL's encoded path is (like botocore's) encoded
    // once more for services other than S3.
    @Test("signs the test-suite vector", arguments: suite)
    func testSuiteVector(_ vector: SuiteVector) {
        let added = Fixtures.signer(service: "service").sign(
            method: vector.method, url: Fixtures.url("https://example.amazonaws.com" + vector.pathAndQuery),
            headers: vector.headers, body: Array(vector.body.utf8), date: Fixtures.suiteDate)
        #expect(
            added["Authorization"]
                == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
                + "SignedHeaders=\(vector.signedHeaders), Signature=\(vector.signature)")
        #expect(added["X-Amz-Date"] == "20150830T123600Z")
        // Only S3 needs the payload hash as a header.
        #expect(added["X-Amz-Content-Sha256"] == nil)
    }

    private let s3 = SigV4Signer(
        accessKey: Fixtures.s3DocsAccessKey, secretKey: Fixtures.s3DocsSecret, region: "us-east-1",
        service: "s3")

    @Test("S3 docs example: GET object with a Range header")
    func s3GetObject() {
        let added = s3.sign(
            method: "GET", url: Fixtures.url("https://examplebucket.s3.amazonaws.com/test.txt"),
            headers: ["Range": "bytes=0-9"], date: Fixtures.s3DocsDate)
        #expect(
            added["Authorization"]
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
                + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        #expect(added["X-Amz-Content-Sha256"] == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test("S3 docs example: PUT object whose key has a `$`, encoded once")
    func s3PutObject() {
        let added = s3.sign(
            method: "PUT", url: Fixtures.url("https://examplebucket.s3.amazonaws.com/test$file.text"),
            headers: ["Date": "Fri, 24 May 2013 00:00:00 GMT", "x-amz-storage-class": "REDUCED_REDUNDANCY"],
            body: Array("Welcome to Amazon S3.".utf8), date: Fixtures.s3DocsDate)
        #expect(
            added["Authorization"]?.hasSuffix(
                "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, "
                    + "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd") == true)
        #expect(added["X-Amz-Content-Sha256"] == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
    }

    @Test("S3 docs example: GET bucket with a query")
    func s3ListObjects() {
        let added = s3.sign(
            method: "GET", url: Fixtures.url("https://examplebucket.s3.amazonaws.com/?max-keys=2&prefix=J"),
            date: Fixtures.s3DocsDate)
        #expect(
            added["Authorization"]?.hasSuffix(
                "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7") == true)
    }

    @Test("S3 docs example: presigned GET URL, byte for byte")
    func s3Presign() {
        let url = s3.presign(
            method: "GET", url: Fixtures.url("https://examplebucket.s3.amazonaws.com/test.txt"),
            expires: 86_400, date: Fixtures.s3DocsDate)
        #expect(
            url.absoluteString
                == "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                + "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
                + "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
                + "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
    }

    @Test("an X-Amz-Content-Sha256 given by the caller is signed instead of the body's hash")
    func callerPayloadHash() {
        let url = Fixtures.url("https://examplebucket.s3.amazonaws.com/big.bin")
        let unsigned = s3.sign(
            method: "PUT", url: url, headers: ["X-Amz-Content-Sha256": "UNSIGNED-PAYLOAD"],
            body: Array("data".utf8), date: Fixtures.s3DocsDate)
        let hashed = s3.sign(method: "PUT", url: url, body: Array("data".utf8), date: Fixtures.s3DocsDate)
        #expect(unsigned["X-Amz-Content-Sha256"] == "UNSIGNED-PAYLOAD")
        #expect(unsigned["Authorization"] != hashed["Authorization"])
    }

    @Test("hop-by-hop and client-identifying headers are left out of the signature")
    func unsignedHeaders() {
        let added = Fixtures.signer(service: "service").sign(
            method: "GET", url: Fixtures.url("https://example.amazonaws.com/"),
            headers: ["User-Agent": "gust/1.0", "Expect": "100-continue", "Connection": "close"],
            date: Fixtures.suiteDate)
        // Same as get-vanilla: none of those headers changed what was signed.
        #expect(
            added["Authorization"]?.hasSuffix("5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
                == true)
    }

    @Test("the Host header carries a non-default port and drops a default one")
    func hostHeader() {
        #expect(SigV4Signer.hostHeader(for: Fixtures.url("http://127.0.0.1:9000/x")) == "127.0.0.1:9000")
        #expect(SigV4Signer.hostHeader(for: Fixtures.url("https://example.com:443/x")) == "example.com")
        #expect(SigV4Signer.hostHeader(for: Fixtures.url("http://example.com:80/x")) == "example.com")
        #expect(SigV4Signer.hostHeader(for: Fixtures.url("https://example.com:80/x")) == "example.com:80")
        #expect(SigV4Signer.hostHeader(for: Fixtures.url("http://[::1]:8080/x")) == "[::1]:8080")
    }
}
