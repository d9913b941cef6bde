import GustCore
import Testing

@Suite struct ASCIITests {
    @Test func caseInsensitiveEqualityIsLimitedToLetters() {
        #expect(ASCII.equalIgnoringCase("Content-Type", "content-type"))
        #expect(ASCII.equalIgnoringCase("X-AMZ-Date", "x-amz-date"))
        #expect(!ASCII.equalIgnoringCase("content-type", "content-typ"))
        // '@' and '`' differ from each other only in bit 0x20, yet they are not letters.
        #expect(!ASCII.equalIgnoringCase("a@", "a`"))
        #expect(!ASCII.equalIgnoringCase("[", "{"))
    }

    @Test func firstOffsetFindsTheFirstOccurrence() {
        #expect(ASCII.firstOffset(of: ".lambda-url.", in: "fn.lambda-url.localhost") == 2)
        #expect(ASCII.firstOffset(of: "json", in: "application/vnd.api+json; charset=utf-8") == 20)
        #expect(ASCII.firstOffset(of: "aab", in: "aaab") == 1)
        #expect(ASCII.firstOffset(of: "xml", in: "text/plain") == nil)
        #expect(ASCII.firstOffset(of: "longer than text", in: "short") == nil)
        #expect(ASCII.firstOffset(of: "", in: "any") == 0)
    }
}
