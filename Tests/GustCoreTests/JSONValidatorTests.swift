import Foundation
import Testing

@testable import GustCore

@Suite struct JSONValidatorTests {
    @Test(arguments: [
        "{}", "[]", "0", "-1.5e+10", "\"\\u00e9\\n\"", " {\"a\": [1, 2.0, true, false, null, {\"b\": \"c\"}]} ",
        "\"日本\"", "[[[[]]]]", "1E5", "-0",
    ])
    func acceptsJSON(_ text: String) {
        #expect(JSONValidator.isValid(Array(text.utf8)))
        // Agrees with Foundation.
        #expect((try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) != nil)
    }

    @Test(arguments: [
        "", "{", "{not json", "[1,]", "{\"a\":}", "01", "1.", ".5", "-", "tru", "\"unterminated", "[1] x",
        "{\"a\" 1}", "\"bad \\x escape\"", "\"\u{01}\"", "{,}", "NaN",
    ])
    func refusesWhatIsNotJSON(_ text: String) {
        #expect(!JSONValidator.isValid(Array(text.utf8)))
    }

    /// Found by the `json` fuzz target: invalid UTF-8 inside a string passed as JSON.
    @Test(arguments: [
        [0x22, 0xFF, 0x22], [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],
        [0x22, 0xE2, 0x82, 0x22], [0x22, 0x73, 0x24, 0x26, 0xFF, 0xFF, 0x24, 0x22],
    ] as [[UInt8]])
    func refusesInvalidUTF8(_ bytes: [UInt8]) {
        #expect(!JSONValidator.isValid(bytes))
    }

    /// Found by the `json` fuzz target, where Foundation disagrees: an integer beyond a Double's
    /// range (RFC 8259 §6 leaves the range to implementations; Python reads it exactly).
    @Test func acceptsIntegersBeyondADouble() {
        #expect(JSONValidator.isValid(Array(("1099" + String(repeating: "0", count: 400)).utf8)))
    }

    @Test func acceptsEveryUTF8Length() {
        #expect(JSONValidator.isValid(Array("\"é€𝄞\"".utf8)))
    }

    /// Found by the `json` fuzz target, where Foundation disagrees: RFC 8259 §8.2's grammar allows
    /// a lone surrogate escape, and Python's and Node's parsers (the functions') accept it.
    @Test func acceptsLoneSurrogateEscapesAsTheRuntimesDo() {
        #expect(JSONValidator.isValid(Array(#""aChap25Int\u2ddddd\uddddddYYY2244ac""#.utf8)))
    }

    @Test func refusesHostileNestingWithoutRecursingForever() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(!JSONValidator.isValid(Array(deep.utf8)))
    }
}
