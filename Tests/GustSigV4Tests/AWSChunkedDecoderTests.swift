import Crypto
import Testing

@testable import GustSigV4

@Suite struct AWSChunkedDecoderTests {
    /// AWS's worked example of a signed streaming upload (S3 documentation, "Signature
    /// Calculations for the Authorization Header: Transferring Payload in Multiple Chunks").
    func exampleSigner() -> ChunkSigner {
        let key = SigV4Crypto.signingKey(
            secret: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", date: "20130524", region: "us-east-1", service: "s3")
        return ChunkSigner(
            mac: HMAC<SHA256>(key: key), timestamp: "20130524T000000Z", scope: "20130524/us-east-1/s3/aws4_request",
            seed: "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9")
    }

    func exampleBody(corrupt: Bool = false) -> [UInt8] {
        var body: [UInt8] = []
        body += Array("10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n".utf8)
        body += [UInt8](repeating: 0x61, count: 65536)
        body += Array("\r\n400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n".utf8)
        body += [UInt8](repeating: corrupt ? 0x62 : 0x61, count: 1024)
        body += Array("\r\n0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n".utf8)
        return body
    }

    @Test func awsExampleDecodesInAnyPieces() throws {
        for pieceSize in [1, 7, 4096, 100_000] {
            var decoder = AWSChunkedDecoder(signer: exampleSigner(), maxDecodedBytes: 1 << 20)
            var output: [UInt8] = []
            let body = exampleBody()
            var start = 0
            while start < body.count {
                let end = min(start + pieceSize, body.count)
                output += try decoder.feed(Array(body[start..<end]))
                start = end
            }
            #expect(decoder.isDone)
            #expect(output.count == 66560)
            #expect(output.allSatisfy { $0 == 0x61 })
        }
    }

    @Test func aChangedByteFailsItsChunk() {
        var decoder = AWSChunkedDecoder(signer: exampleSigner(), maxDecodedBytes: 1 << 20)
        #expect(throws: AWSChunkedDecoder.Failure.badSignature) { _ = try decoder.feed(exampleBody(corrupt: true)) }
    }

    @Test func unsignedChunksWithTrailers() throws {
        var decoder = AWSChunkedDecoder(signer: nil, maxDecodedBytes: 100)
        let body = Array("5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n".utf8)
        let output = try decoder.feed(body)
        #expect(String(decoding: output, as: UTF8.self) == "hello world")
        #expect(decoder.isDone)
        #expect(decoder.trailers.map(\.name) == ["x-amz-checksum-crc32"])
        #expect(decoder.trailers.first?.value == "DUoRhQ==")
    }

    @Test func malformedFramingIsRefused() {
        let cases = ["zz\r\nhello\r\n", "5\r\nhelloXX\r\n", "5;foo=bar\r\nhello\r\n", "0\r\n\r\nextra", String(repeating: "1", count: 5000)]
        for text in cases {
            var decoder = AWSChunkedDecoder(signer: nil, maxDecodedBytes: 100)
            #expect(throws: AWSChunkedDecoder.Failure.self) { _ = try decoder.feed(Array(text.utf8)) }
        }
        var small = AWSChunkedDecoder(signer: nil, maxDecodedBytes: 3)
        #expect(throws: AWSChunkedDecoder.Failure.tooLarge) { _ = try small.feed(Array("5\r\nhello\r\n".utf8)) }
        var unsigned = AWSChunkedDecoder(signer: exampleSigner(), maxDecodedBytes: 100)
        #expect(throws: AWSChunkedDecoder.Failure.badSignature) { _ = try unsigned.feed(Array("5\r\nhello\r\n".utf8)) }
    }
}
