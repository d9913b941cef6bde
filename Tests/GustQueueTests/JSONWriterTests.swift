import Foundation
import GustAWSWire
import Testing

@Suite struct JSONWriterTests {
    func roundTrip(_ object: [String: Any]) throws -> NSDictionary {
        let bytes = JSONWriter.data(object)
        return try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? NSDictionary)
    }

    @Test func writesWhatFoundationReadsBack() throws {
        let object: [String: Any] = [
            "Messages": [
                ["MessageId": "m1", "Body": "quote \" backslash \\ newline \n tab \t bell \u{07} é 日本 🎉 / slash",
                 "Attributes": ["SentTimestamp": "1700000000000"], "MD5OfBody": "abc"] as [String: Any],
            ],
            "Count": 3, "Big": Int64(1) << 40, "Flag": true, "Off": false, "Ratio": 0.25, "Whole": 2.0, "Nothing": NSNull(),
            "List": ["a", "b"], "Mixed": [1, "two", ["three": 3]] as [Any], "Empty": [String: Any](), "EmptyList": [Any](),
        ]
        let parsed = try roundTrip(object)
        let expected = try #require(try JSONSerialization.jsonObject(with: JSONSerialization.data(withJSONObject: object)) as? NSDictionary)
        #expect(parsed == expected)
    }

    @Test func keysAreSortedAndControlCharactersEscaped() {
        let text = String(decoding: JSONWriter.data(["b": 1, "a": "\u{01}"]), as: UTF8.self)
        #expect(text == #"{"a":"\u0001","b":1}"#)
    }
}
