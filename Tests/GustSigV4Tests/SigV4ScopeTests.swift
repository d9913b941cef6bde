import Testing

@testable import GustSigV4

@Suite struct SigV4ScopeTests {
    @Test func headerForm() {
        let header =
            "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/sqs/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc"
        #expect(SigV4Scope.service(authorization: header, rawQuery: nil) == "sqs")
    }

    @Test func presignedForm() {
        let query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20240101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=x"
        #expect(SigV4Scope.service(authorization: nil, rawQuery: query) == "s3")
    }

    @Test func unsignedOrMalformed() {
        #expect(SigV4Scope.service(authorization: nil, rawQuery: "a=b") == nil)
        #expect(SigV4Scope.service(authorization: "AWS4-HMAC-SHA256 Credential=AKID/20240101/sqs", rawQuery: nil) == nil)
        #expect(SigV4Scope.service(authorization: nil, rawQuery: nil) == nil)
    }
}
