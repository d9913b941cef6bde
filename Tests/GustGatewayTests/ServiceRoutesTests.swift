import GustAWSWire
import Testing

@testable import GustGateway

private struct FakeService: AWSService {
    let signingName: String
    let target: String
    var maxRequestBytes: Int { 1024 }

    func matchesUnsigned(method: String, path: String, query: String?, header: (String) -> String?) -> Bool {
        header("X-Amz-Target")?.hasPrefix(target) ?? false
    }

    func handle(_ request: AWSRequest) async -> AWSResponse { AWSResponse(status: 200, headers: [], body: []) }
    func refusal(_ refusal: AWSRefusal) -> AWSResponse { AWSResponse(status: 403, headers: [], body: []) }
}

@Suite struct ServiceRoutesTests {
    let routes = ServiceRoutes([
        FakeService(signingName: "sqs", target: "AmazonSQS."), FakeService(signingName: "dynamodb", target: "DynamoDB_"),
    ])

    @Test func signedRequestsGoByScope() {
        #expect(routes.service(signingName: "sqs")?.signingName == "sqs")
        #expect(routes.service(signingName: "dynamodb")?.signingName == "dynamodb")
        // Lambda (and Gust's API) are the router's.
        #expect(routes.service(signingName: "lambda") == nil)
    }

    @Test func unsignedRequestsGoByWireForm() {
        let sqs = routes.service(unsignedMethod: "POST", path: "/", query: nil) { $0 == "X-Amz-Target" ? "AmazonSQS.ListQueues" : nil }
        #expect(sqs?.signingName == "sqs")
        #expect(routes.service(unsignedMethod: "GET", path: "/2015-03-31/functions", query: nil) { _ in nil } == nil)
    }
}
