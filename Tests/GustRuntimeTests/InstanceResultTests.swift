import Foundation
import GustCore
import Testing

@testable import GustRuntime

@Suite struct InstanceResultTests {
    @Test func failuresCarryLambdasErrorDocument() throws {
        let result = InstanceResult.failure(.crashed, type: "Runtime.ExitError", message: "exit status 3")
        #expect(result.outcome == .crashed)
        #expect(result.errorType == "Runtime.ExitError")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.payload)) as? [String: String])
        #expect(document == ["errorType": "Runtime.ExitError", "errorMessage": "exit status 3"])
        #expect(!result.notStarted)
    }

    @Test func onlyRecoverableOutcomesKeepTheInstance() {
        #expect(InvocationOutcome.success.instanceSurvives)
        #expect(InvocationOutcome.functionError.instanceSurvives)
        for outcome in [InvocationOutcome.timeout, .outOfMemory, .crashed, .initError, .interrupted] {
            #expect(!outcome.instanceSurvives)
        }
    }

    @Test func timeoutDocumentMatchesLambda() throws {
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(FunctionErrorDocument.timeout(requestID: "r1", seconds: 3))) as? [String: String])
        #expect(document["errorMessage"]?.hasSuffix("r1 Task timed out after 3.00 seconds") == true)
        #expect(document["errorType"] == nil)
    }
}
