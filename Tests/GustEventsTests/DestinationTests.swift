import Foundation
import GustCore
import Testing

@testable import GustEvents

@Suite struct DestinationTests {
    @Test func aFailureRecordHasLambdasShape() throws {
        let record = InvocationRecord(
            requestID: "r1", functionName: "f", version: "$LATEST", source: "async", mode: .async, outcome: .functionError,
            errorType: "ValueError", startTime: Date(), initDurationMs: nil, durationMs: 1, billedDurationMs: 1, memorySizeMB: 128,
            maxMemoryUsedMB: nil, instanceID: nil, output: "")
        let response = InvocationResponse(
            requestID: "r1", executedVersion: "$LATEST", payload: Array(#"{"errorMessage":"boom","errorType":"ValueError"}"#.utf8),
            functionError: "Unhandled", outcome: .functionError, record: record)
        let bytes = DestinationRecord(
            requestID: "r1", functionArn: "arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST", condition: .retriesExhausted,
            approximateInvokeCount: 3, requestPayload: Array(#"{"n":1}"#.utf8), response: response,
            timestamp: Date(timeIntervalSince1970: 1_700_000_000)
        ).json()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(object["version"] as? String == "1.0")
        #expect(object["timestamp"] as? String == "2023-11-14T22:13:20.000Z")
        let context = try #require(object["requestContext"] as? [String: Any])
        #expect(context["requestId"] as? String == "r1")
        #expect(context["condition"] as? String == "RetriesExhausted")
        #expect(context["approximateInvokeCount"] as? Int == 3)
        #expect(context["functionArn"] as? String == "arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST")
        #expect((object["requestPayload"] as? [String: Any])?["n"] as? Int == 1)
        let responseContext = try #require(object["responseContext"] as? [String: Any])
        #expect(responseContext["functionError"] as? String == "Unhandled")
        #expect(responseContext["statusCode"] as? Int == 200)
        #expect(responseContext["executedVersion"] as? String == "$LATEST")
        #expect((object["responsePayload"] as? [String: Any])?["errorMessage"] as? String == "boom")
    }

    @Test func anExpiredEventHasNoResponseAndATextPayloadStaysText() throws {
        let bytes = DestinationRecord(
            requestID: "r", functionArn: "arn", condition: .eventAgeExceeded, approximateInvokeCount: 0,
            requestPayload: Array("not json".utf8), response: nil
        ).json()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(object["responseContext"] == nil)
        #expect(object["requestPayload"] as? String == "not json")
        #expect((object["requestContext"] as? [String: Any])?["condition"] as? String == "EventAgeExceeded")
    }

    @Test func destinationsAreQueuesOrFunctions() throws {
        #expect(try Destination(arn: "arn:aws:sqs:us-east-1:000000000000:q") == .queue(name: "q"))
        #expect(try Destination(arn: "arn:aws:lambda:us-east-1:000000000000:function:f") == .function(name: "f", qualifier: nil))
        #expect(try Destination(arn: "arn:aws:lambda:us-east-1:000000000000:function:f:live") == .function(name: "f", qualifier: "live"))
        for bad in ["arn:aws:sns:us-east-1:000000000000:t", "q", "arn:aws:lambda:us-east-1:000000000000:layer:x", "arn:aws:sqs:us-east-1:0:a:b"] {
            #expect(throws: GustError.self) { try Destination(arn: bad) }
        }
    }

    @Test func configLimitsAreLambdas() {
        #expect(throws: Never.self) { try EventInvokeConfig(functionName: "f", maximumRetryAttempts: 0, maximumEventAgeSeconds: 60).validate() }
        #expect(throws: Never.self) { try EventInvokeConfig(functionName: "f", maximumRetryAttempts: 2, maximumEventAgeSeconds: 21600).validate() }
        #expect(throws: GustError.self) { try EventInvokeConfig(functionName: "f", maximumRetryAttempts: 3).validate() }
        #expect(throws: GustError.self) { try EventInvokeConfig(functionName: "f", maximumEventAgeSeconds: 59).validate() }
        #expect(throws: GustError.self) { try EventInvokeConfig(functionName: "f", maximumEventAgeSeconds: 21601).validate() }
        #expect(throws: GustError.self) { try EventInvokeConfig(functionName: "f", onFailure: "arn:aws:sns:us-east-1:0:t").validate() }
    }
}
