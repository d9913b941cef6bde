import Foundation
import Testing

@testable import GustSigV4

@Suite("Version-2 presigned URLs")
struct SigV2PresignedTests {
    // AWS's worked example of query-string authentication (S3 developer guide, "Signing and
    // authenticating REST requests"): GET /johnsmith/photos/puppy.jpg, Expires 1175139620.
    let verifier = SigV4Verifier(credentials: { $0 == "AKIAIOSFODNN7EXAMPLE" ? "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" : nil })
    let query = "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D&Expires=1175139620"

    func request(path: String, host: String) -> SigV4Request {
        SigV4Request(method: "GET", rawPath: path, rawQuery: query, headers: [("Host", host)])
    }

    @Test("AWS's example verifies, virtual-host addressed and path style")
    func example() throws {
        let before = Date(timeIntervalSince1970: 1_175_139_000)
        let virtual = try verifier.verifyPresignedV2(
            request(path: "/photos/puppy.jpg", host: "johnsmith.s3.amazonaws.com"),
            bucketFromHost: "johnsmith", now: before
        ).get()
        #expect(virtual.accessKey == "AKIAIOSFODNN7EXAMPLE" && virtual.service == "s3")
        _ = try verifier.verifyPresignedV2(
            request(path: "/johnsmith/photos/puppy.jpg", host: "127.0.0.1:9000"), bucketFromHost: nil, now: before
        ).get()
    }

    @Test("refused once expired, for another path, or for an unknown key")
    func refusals() {
        let after = Date(timeIntervalSince1970: 1_175_139_621)
        let request = request(path: "/johnsmith/photos/puppy.jpg", host: "127.0.0.1")
        #expect(throws: SigV4Error.self) { try verifier.verifyPresignedV2(request, bucketFromHost: nil, now: after).get() }
        let early = Date(timeIntervalSince1970: 1_175_139_000)
        let other = self.request(path: "/johnsmith/photos/kitten.jpg", host: "127.0.0.1")
        #expect(throws: SigV4Error.self) { try verifier.verifyPresignedV2(other, bucketFromHost: nil, now: early).get() }
        #expect(SigV2Presigned.matches(rawQuery: query))
        #expect(!SigV2Presigned.matches(rawQuery: "X-Amz-Signature=abc&Signature=x&AWSAccessKeyId=y"))
    }
}
