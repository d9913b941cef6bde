// S3's hand-written parsing: the aws-chunked framing of streaming uploads (unsigned, and signed
// with a fixed key so the signature checks run), Range headers, the request's path and query,
// `x-amz-tagging` and HTTP dates, version-2 presigned signatures, event-record key encoding, the
// XML documents of batch deletes, tagging, ACLs (and grant headers), notification configurations
// and multipart completions (parsed by FoundationXML, walked by hand), and browser uploads'
// multipart/form-data heads and policy documents. The first byte picks which; the rest is the input.
import Crypto
import Foundation
import GustAWSWire

@testable import GustObjectStore
@testable import GustSigV4

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let selector = bytes.first else { return 0 }
    let input = Array(bytes.dropFirst())
    let text = String(decoding: input, as: UTF8.self)
    switch selector % 5 {
    case 0, 1:
        var signer: ChunkSigner?
        if selector % 5 == 1 {
            let key = SigV4Crypto.signingKey(secret: "secret", date: "20250101", region: "us-east-1", service: "s3")
            signer = ChunkSigner(
                mac: HMAC<SHA256>(key: key), timestamp: "20250101T000000Z", scope: "20250101/us-east-1/s3/aws4_request",
                seed: String(repeating: "0", count: 64))
        }
        var decoder = AWSChunkedDecoder(signer: signer, maxDecodedBytes: 1 << 16)
        // Fed in pieces whose size the input picks, so framing split across reads is covered.
        let piece = max(1, Int(selector >> 2))
        var start = 0
        while start < input.count {
            let end = min(start + piece, input.count)
            guard (try? decoder.feed(Array(input[start..<end]))) != nil else { break }
            start = end
        }
    case 2:
        _ = try? ByteRange.parse(text, size: 1000)
        _ = try? ByteRange.parse(text, size: 0)
        let request = AWSRequest(
            method: "GET", path: text, query: text, headers: [], body: [], host: text, caller: nil)
        _ = S3Request(request, virtualHostSuffixes: ["localhost"])
        _ = try? S3API.tags(query: text)
        _ = S3Date.parseHTTP(text)
        _ = S3Request.urlEncoded(text)
        _ = ObjectEvent.encodedKey(text)
        _ = try? S3API.copyRange(text)
        _ = try? S3API.copySource(text)
        let presigned = SigV4Request(method: "GET", rawPath: text, rawQuery: text, headers: [("Host", text), ("x-amz-meta-a", text)])
        _ = SigV2Presigned.stringToSign(presigned, expires: text, resource: text)
        _ = SigV4Verifier(credentials: { _ in "secret" }).verifyPresignedV2(presigned, bucketFromHost: text)
    case 3:
        // A form head fed in pieces the input picks, then its policy (the input as the document).
        var head = PostFormHead(boundary: "fuzzboundary")
        let piece = max(1, Int(selector >> 3))
        var start = 0
        while start < input.count {
            let end = min(start + piece, input.count)
            guard let fed = try? head.feed(Array(input[start..<end])) else { break }
            if fed != nil { break }
            start = end
        }
        _ = PostForm.boundary(contentType: text)
        _ = try? PostFormHead.headers(input)
        if let policy = try? PostPolicy.parse(base64: Data(input).base64EncodedString()) {
            _ = try? policy.check(fields: ["key": text, "acl": "private"], bucket: "b")
            _ = try? policy.checkLength(Int64(input.count))
        }
    default:
        if let root = S3XML.parse(input) {
            for object in root.children(named: "Object") { _ = object.text("Key") }
            for tag in root.child("TagSet")?.children(named: "Tag") ?? [] { _ = (tag.text("Key"), tag.text("Value")) }
        }
        _ = try? AccessControlList.parsePolicy(input)
        _ = try? AccessControlList.parseGrantees(text)
        if let configuration = try? NotificationConfiguration.parse(input) {
            _ = configuration.xml()
            for rule in configuration.rules { _ = rule.matches(event: "ObjectCreated:Put", key: text) }
        }
    }
    return 0
}
