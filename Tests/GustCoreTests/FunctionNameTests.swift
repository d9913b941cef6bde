import Foundation
import Testing

@testable import GustCore

@Suite struct FunctionNameTests {
    @Test(arguments: [
        ("hello", "hello", nil),
        ("hello:1", "hello", "1"),
        ("hello:live", "hello", "live"),
        ("arn:aws:lambda:us-east-1:000000000000:function:hello", "hello", nil),
        ("arn:aws:lambda:us-east-1:000000000000:function:hello:$LATEST", "hello", "$LATEST"),
        ("000000000000:function:hello:2", "hello", "2"),
        // A bare name is a name, even this one (Lambda's pattern allows it).
        ("arn", "arn", nil),
    ] as [(String, String, String?)])
    func parsesNamesQualifiersAndARNs(raw: String, name: String, qualifier: String?) throws {
        let parsed = try FunctionName.parse(raw)
        #expect(parsed.name == name)
        #expect(parsed.qualifier == qualifier)
    }

    @Test(arguments: ["", "has space", "slash/name", String(repeating: "a", count: 65), "a:b:c", "bad:qual!", "café", "e\u{301}", "a\r\nb"])
    func rejectsInvalidNames(raw: String) {
        #expect(throws: GustError.self) { try FunctionName.parse(raw) }
    }

    @Test func invalidNameIsA400WithLambdasType() {
        do {
            try FunctionName.validate("no good")
            Issue.record("expected an error")
        } catch {
            #expect(error.httpStatus == 400)
            #expect(error.awsType == "InvalidParameterValueException")
        }
    }

    @Test func aliasNamesCannotBeNumbers() {
        #expect(throws: GustError.self) { try FunctionName.validateAliasName("123") }
        #expect(throws: Never.self) { try FunctionName.validateAliasName("live") }
    }
}

@Suite struct FunctionConfigurationTests {
    func config(runtime: String = "python3.12", memory: Int = 128, timeout: Int = 3, env: [String: String] = [:]) -> FunctionConfiguration {
        FunctionConfiguration(name: "f", runtime: runtime, handler: "app.handler", memoryMB: memory, timeoutSeconds: timeout, environment: env, codeSha256: "", codeID: "", codeSize: 0)
    }

    @Test func acceptsLambdaRuntimes() throws {
        for runtime in ["python3.12", "python3.9", "nodejs20.x", "nodejs18.x", "provided", "provided.al2023"] {
            try config(runtime: runtime).validate()
        }
    }

    @Test func rejectsOutOfRangeValues() {
        #expect(throws: GustError.self) { try config(runtime: "ruby3.2").validate() }
        #expect(throws: GustError.self) { try config(memory: 64).validate() }
        #expect(throws: GustError.self) { try config(timeout: 0).validate() }
        #expect(throws: GustError.self) { try config(timeout: 901).validate() }
        #expect(throws: GustError.self) { try config(env: ["1BAD": "x"]).validate() }
    }
}

@Suite struct AliasTests {
    @Test func weightsSplitTraffic() {
        let alias = Alias(functionName: "f", name: "live", functionVersion: "1", additionalVersionWeights: ["2": 0.25], revisionID: "r")
        #expect(alias.pickVersion(roll: 0.0) == "2")
        #expect(alias.pickVersion(roll: 0.24) == "2")
        #expect(alias.pickVersion(roll: 0.25) == "1")
        #expect(alias.pickVersion(roll: 0.99) == "1")
    }

    @Test func invalidWeightsAreRejected() {
        let bad = Alias(functionName: "f", name: "a", functionVersion: "1", additionalVersionWeights: ["2": 1.5], revisionID: "r")
        #expect(throws: GustError.self) { try bad.validateWeights() }
        let same = Alias(functionName: "f", name: "a", functionVersion: "1", additionalVersionWeights: ["1": 0.5], revisionID: "r")
        #expect(throws: GustError.self) { try same.validateWeights() }
    }
}

@Suite struct InvocationRecordTests {
    @Test func billingRoundsUpToTheMillisecond() {
        #expect(InvocationRecord.billed(durationMs: 0.2) == 1)
        #expect(InvocationRecord.billed(durationMs: 10.01) == 11)
        #expect(InvocationRecord.billed(durationMs: 12) == 12)
    }

    @Test func reportLineHasLambdasFields() {
        let record = InvocationRecord(
            requestID: "r1", functionName: "f", version: "$LATEST", source: "api", mode: .sync, outcome: .timeout,
            errorType: nil, startTime: .init(timeIntervalSince1970: 0), initDurationMs: 12.5, durationMs: 1000.4,
            billedDurationMs: 1001, memorySizeMB: 256, maxMemoryUsedMB: 40, instanceID: nil, output: "")
        let line = LambdaLogLines.report(record)
        #expect(line.hasPrefix("REPORT RequestId: r1\tDuration: 1000.40 ms\tBilled Duration: 1001 ms\tMemory Size: 256 MB"))
        #expect(line.contains("Max Memory Used: 40 MB"))
        #expect(line.contains("Init Duration: 12.50 ms"))
        #expect(line.contains("Status: Timeout"))
        #expect(abs(record.gigabyteSeconds - 1.001 * 0.25) < 1e-9)
    }

    @Test func logsFrameTheOutputWithLambdasLines() {
        var record = InvocationRecord(
            requestID: "r2", functionName: "f", version: "3", source: "api", mode: .sync, outcome: .success,
            errorType: nil, startTime: .init(timeIntervalSince1970: 0), initDurationMs: nil, durationMs: 0.5,
            billedDurationMs: 1, memorySizeMB: 128, maxMemoryUsedMB: nil, instanceID: nil, output: "one\ntwo\n")
        #expect(
            record.logs
                == "START RequestId: r2 Version: 3\none\ntwo\nEND RequestId: r2\n"
                + "REPORT RequestId: r2\tDuration: 0.50 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\n")
        record.output = ""
        #expect(record.logs.split(separator: "\n").map { $0.prefix(6) } == ["START ", "END Re", "REPORT"])
        // Throttled: the function never ran, so there is nothing to frame.
        record.outcome = .throttled
        #expect(record.logs == "")
    }
}

@Test func requestIDsAreVersion4UUIDs() {
    let ids = (0..<100).map { _ in RequestID.make() }
    #expect(Set(ids).count == 100)
    for id in ids {
        #expect(id.count == 36)
        let parsed = UUID(uuidString: id)
        #expect(parsed != nil)
        #expect(Array(id)[14] == "4")
        #expect("89ab".contains(Array(id)[19]))
    }
}
