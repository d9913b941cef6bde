import Foundation
import Testing

@testable import GustCommands

@Suite struct ManifestTests {
    func parse(_ yaml: String) throws -> Manifest {
        try Manifest.parse(Data(yaml.utf8), path: "gust.yaml")
    }

    @Test func decodesQueuesEventsAndAsync() throws {
        let manifest = try parse(
            """
            name: logs
            queues:
              - name: raw
                attributes: {VisibilityTimeout: 5, FifoQueue: false, DelaySeconds: "0"}
                deadLetter: {queue: raw-dlq, maxReceiveCount: 3}
              - name: raw-dlq
            functions:
              - name: clean
                runtime: python3.11
                handler: app.handler
                events:
                  - sqs: {queue: raw, batchSize: 5, batchWindow: 1, reportBatchItemFailures: true, maxConcurrency: 2}
                  - sqs: other
                  - http: {path: /x}
                async:
                  retries: 1
                  maxEventAge: 120
                  onSuccess: raw
                  onFailure: {function: clean}
            """)
        #expect(manifest.name == "logs")
        #expect(manifest.queues.map(\.name) == ["raw", "raw-dlq"])
        #expect(manifest.queues[0].attributes == ["VisibilityTimeout": "5", "FifoQueue": "false", "DelaySeconds": "0"])
        #expect(manifest.queues[0].deadLetter?.queue == "raw-dlq")
        #expect(manifest.queues[0].deadLetter?.maxReceiveCount == 3)
        let events = manifest.functions[0].events ?? []
        let sqs = try #require(events[0].sqs)
        #expect(sqs.queue == "raw")
        #expect(sqs.batchSize == 5)
        #expect(sqs.batchWindow == 1)
        #expect(sqs.reportBatchItemFailures == true)
        #expect(sqs.maxConcurrency == 2)
        #expect(events[1].sqs?.queue == "other")
        #expect(events[1].sqs?.batchSize == nil)
        #expect(events[2].sqs == nil && events[2].http?.path == "/x")
        let async = try #require(manifest.functions[0].async)
        #expect(async.retries == 1)
        #expect(async.maxEventAge == 120)
        #expect(async.onSuccess == .name("raw"))
        #expect(async.onFailure == .function("clean"))
    }

    @Test func queuesAloneAreAnApp() throws {
        let manifest = try parse("queues: [{name: jobs}]")
        #expect(manifest.functions.isEmpty)
        #expect(throws: CLIError.self) { try parse("name: empty") }
    }

    @Test func destinationNamingBothKindsIsRefused() throws {
        #expect(throws: CLIError.self) { try parse("functions: [{name: f, runtime: x, async: {onSuccess: {queue: a, function: b}}}]") }
    }

    @Test func deadLetterQueuesComeFirst() throws {
        let manifest = try parse(
            """
            queues:
              - {name: a, deadLetter: {queue: b, maxReceiveCount: 2}}
              - {name: b, deadLetter: {queue: c, maxReceiveCount: 2}}
              - {name: d, deadLetter: {queue: undeclared, maxReceiveCount: 5}}
              - {name: c}
            """)
        #expect(try manifest.queuesInOrder().map(\.name) == ["c", "b", "a", "undeclared", "d"])
        let policy = try #require(manifest.queues[0].wireAttributes["RedrivePolicy"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(policy.utf8)) as? [String: Any])
        #expect(object["deadLetterTargetArn"] as? String == "arn:aws:sqs:us-east-1:000000000000:b")
        #expect(object["maxReceiveCount"] as? Int == 2)
    }

    @Test func deadLetterCyclesAndDuplicatesAreRefused() throws {
        let cycle = try parse("queues: [{name: a, deadLetter: {queue: b, maxReceiveCount: 1}}, {name: b, deadLetter: {queue: a, maxReceiveCount: 1}}]")
        #expect(throws: CLIError.self) { try cycle.queuesInOrder() }
        let twice = try parse("queues: [{name: a}, {name: a}]")
        #expect(throws: CLIError.self) { try twice.queuesInOrder() }
    }

    @Test func destinationsResolveToARNs() throws {
        let queues: Set = ["q", "both"]
        let functions: Set = ["f", "both"]
        #expect(try Manifest.destinationArn(.name("q"), queues: queues, functions: functions) == "arn:aws:sqs:us-east-1:000000000000:q")
        #expect(try Manifest.destinationArn(.name("f"), queues: queues, functions: functions) == "arn:aws:lambda:us-east-1:000000000000:function:f")
        #expect(try Manifest.destinationArn(.queue("both"), queues: queues, functions: functions) == "arn:aws:sqs:us-east-1:000000000000:both")
        #expect(try Manifest.destinationArn(.function("both"), queues: queues, functions: functions) == "arn:aws:lambda:us-east-1:000000000000:function:both")
        #expect(try Manifest.destinationArn(.name("arn:aws:sqs:us-east-1:000000000000:x"), queues: [], functions: []) == "arn:aws:sqs:us-east-1:000000000000:x")
        #expect(throws: CLIError.self) { try Manifest.destinationArn(.name("both"), queues: queues, functions: functions) }
        #expect(throws: CLIError.self) { try Manifest.destinationArn(.name("nothing"), queues: queues, functions: functions) }
    }
}
