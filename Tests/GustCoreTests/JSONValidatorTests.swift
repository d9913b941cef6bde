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

    @Test func refusesHostileNestingWithoutRecursingForever() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(!JSONValidator.isValid(Array(deep.utf8)))
    }
}
