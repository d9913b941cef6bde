import Crypto
import Testing

@testable import GustQueue

@Suite struct MessageMD5Tests {
    @Test func bodyIsTheMD5OfItsUTF8() {
        #expect(MessageMD5.body("hello") == "5d41402abc4b2a76b9719d911017c592")
        #expect(MessageMD5.body("") == "d41d8cd98f00b204e9800998ecf8427e")
    }

    // Digests AWS returned for these attributes, as recorded by other SQS implementations'
    // tests (LocalStack, sqslite) and SQS's own documentation example.
    @Test func attributesMatchAWSVectors() {
        #expect(
            MessageMD5.attributes(["timestamp": .init(dataType: "Number", stringValue: "1493147359900")])
                == "235c5c510d26fb653d073faed50ae77c")
        #expect(
            MessageMD5.attributes([
                "ordinal": .init(dataType: "Number", stringValue: "1"),
                "category": .init(dataType: "String", stringValue: "test"),
            ]) == "d21ae90c49061e927f57df5f5d72be1f")
        #expect(
            MessageMD5.attributes(["SellerName": .init(dataType: "String", stringValue: "Example Store")])
                == "cd28f3b68aeee4b2eac9c66f2f694b58")
    }

    @Test func noAttributesHaveNoDigest() {
        #expect(MessageMD5.attributes([:]) == nil)
    }

    /// The layout spelled out: length-prefixed name, type, transport byte 2, length-prefixed bytes.
    @Test func binaryAndCustomTypesUseTheirTransport() {
        let value: [UInt8] = [0, 1, 2, 255]
        var expected: [UInt8] = [0, 0, 0, 3] + Array("bin".utf8) + [0, 0, 0, 11] + Array("Binary.jpeg".utf8)
        expected += [2, 0, 0, 0, 4] + value
        expected += [0, 0, 0, 1] + Array("n".utf8) + [0, 0, 0, 12] + Array("Number.float".utf8) + [1, 0, 0, 0, 3] + Array("1.5".utf8)
        let digest = Insecure.MD5.hash(data: expected).map { String(format: "%02x", $0) }.joined()
        #expect(
            MessageMD5.attributes([
                "n": .init(dataType: "Number.float", stringValue: "1.5"),
                "bin": .init(dataType: "Binary.jpeg", binaryValue: value),
            ]) == digest)
    }
}
