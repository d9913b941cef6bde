// Hand-written: no available Swift library verifies SigV4 on the server side, so Gust carries
// its own signer and verifier. These pin the small pieces the vectors exercise only in part.

import Foundation
import Testing

@testable import GustSigV4

@Suite("Canonicalisation helpers")
struct SigV4CanonicalTests {
    @Test("URI encoding keeps only unreserved bytes, in uppercase hex")
    func uriEncode() {
        #expect(SigV4Canonical.uriEncode("a b+c/~é%".utf8, keepSlash: false) == "a%20b%2Bc%2F~%C3%A9%25")
        #expect(SigV4Canonical.uriEncode("a b/c".utf8, keepSlash: true) == "a%20b/c")
    }

    @Test("percent-decoding keeps malformed escapes literally")
    func percentDecode() {
        #expect(SigV4Canonical.percentDecode("a%20b%2fc+d") == Array("a b/c+d".utf8))
        #expect(SigV4Canonical.percentDecode("100%") == Array("100%".utf8))
        #expect(SigV4Canonical.percentDecode("%zz%4") == Array("%zz%4".utf8))
    }

    @Test(
        "dot segments and repeated slashes are resolved like botocore",
        arguments: [
            ("", "/"), ("/", "/"), ("//example//", "/example/"), ("/./example", "/example"),
            ("/example1/example2/../..", "/"), ("/a/../../b", "/b"), ("/a/b/", "/a/b/"),
            // Around the shortcut for paths with nothing to resolve:
            ("/a/b", "/a/b"), ("/a/...", "/a/..."), ("/.hidden/x", "/.hidden/x"), ("/a/.", "/a"),
            ("/a/..", "/"), ("/a/./b", "/a/b"), ("/a//", "/a/"), ("a/b", "a/b"),
        ])
    func removeDotSegments(input: String, expected: String) {
        #expect(SigV4Canonical.removeDotSegments(input) == expected)
    }

    @Test("single encoding normalises each segment; double encoding encodes the wire path again")
    func pathEncodings() {
        #expect(SigV4Canonical.singleEncodedPath("/bkt/a%20b:c%2a") == "/bkt/a%20b%3Ac%2A")
        #expect(SigV4Canonical.singleEncodedPath("/a%2Fb") == "/a%2Fb")
        #expect(SigV4Canonical.doubleEncodedPath("/f/my-func%3A1") == "/f/my-func%253A1")
        #expect(SigV4Canonical.doubleEncodedPath("/example space/") == "/example%20space/")
    }

    @Test("the canonical query sorts by encoded name, then value, and gives bare names an empty value")
    func canonicalQuery() {
        let pairs = SigV4Canonical.queryPairs("b=2&a=z&A=0&a=y&uploads&&c=x%20y+z")
        #expect(SigV4Canonical.canonicalQuery(pairs) == "A=0&a=y&a=z&b=2&c=x%20y%2Bz&uploads=")
        #expect(SigV4Canonical.canonicalQuery(SigV4Canonical.queryPairs(nil)) == "")
    }

    @Test("header values are trimmed and inner whitespace collapsed")
    func headerValues() {
        #expect(SigV4Canonical.canonicalHeaders([("X-A", "  a   b \t c  ")], signedHeaders: ["x-a"]) == "x-a:a b c\n")
        let block = SigV4Canonical.canonicalHeaders(
            [("X-B", " 2 "), ("x-a", "1"), ("x-b", "3")], signedHeaders: ["x-a", "x-b", "x-c"])
        #expect(block == "x-a:1\nx-b:2,3\nx-c:\n")
    }

    @Test("the signing key chain matches AWS's documented example")
    func signingKey() {
        // From AWS's "Examples of how to derive a signing key for Signature Version 4".
        let key = SigV4Crypto.signingKey(
            secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", date: "20120215", region: "us-east-1", service: "iam")
        let bytes = key.withUnsafeBytes { Array($0) }
        #expect(SigV4Crypto.hex(bytes) == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d")
    }

    @Test("signature comparison is exact")
    func constantTimeEquals() {
        #expect(SigV4Crypto.constantTimeEquals("abcd", "abcd"))
        #expect(!SigV4Crypto.constantTimeEquals("abcd", "abce"))
        #expect(!SigV4Crypto.constantTimeEquals("abcd", "abc"))
    }

    @Test("timestamps format and parse in both accepted forms")
    func dates() throws {
        #expect(AmzDate.format(Fixtures.suiteDate) == "20150830T123600Z")
        #expect(AmzDate.parse("20150830T123600Z") == Fixtures.suiteDate)
        #expect(AmzDate.parseHTTPDate("Sun, 30 Aug 2015 12:36:00 GMT") == Fixtures.suiteDate)
        #expect(AmzDate.format(Date(timeIntervalSince1970: 951_782_400)) == "20000229T000000Z")
        #expect(AmzDate.format(Date(timeIntervalSince1970: -1)) == "19691231T235959Z")
        #expect(AmzDate.parse("20150231T000000Z") == nil)
        #expect(AmzDate.parse("2015-08-30T12:36:00Z") == nil)
        #expect(AmzDate.parse("20150830T123600") == nil)
        #expect(AmzDate.parseHTTPDate("Sun, 30 Aug 2015 12:36:00 PST") == nil)
    }
}

@Suite("SigV4Error wire forms")
struct SigV4ErrorTests {
    @Test("each code maps to AWS's code, message and a 403")
    func wireForms() {
        let expected: [SigV4Error.Code: (String, String)] = [
            .missingAuthentication: ("MissingAuthenticationTokenException", "Missing Authentication Token"),
            .invalidAccessKey: (
                "UnrecognizedClientException", "The security token included in the request is invalid."
            ),
            .signatureMismatch: (
                "InvalidSignatureException",
                "The request signature we calculated does not match the signature you provided. "
                    + "Check your AWS Secret Access Key and signing method."
            ),
            .incompleteSignature: (
                "IncompleteSignatureException", "The request signature does not conform to AWS standards."
            ),
            .requestExpired: ("InvalidSignatureException", "Signature expired"),
        ]
        for code in SigV4Error.Code.allCases {
            let error = SigV4Error(code)
            #expect(error.awsCode == expected[code]?.0)
            #expect(error.message == expected[code]?.1)
            #expect(error.httpStatus == 403)
        }
        #expect(SigV4Error(.signatureMismatch).s3Code == "SignatureDoesNotMatch")
        #expect(SigV4Error(.invalidAccessKey).s3Code == "InvalidAccessKeyId")
    }
}
