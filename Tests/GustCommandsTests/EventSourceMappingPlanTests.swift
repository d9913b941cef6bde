import Foundation
import Testing

@testable import GustCommands

@Suite struct EventSourceMappingPlanTests {
    typealias Plan = EventSourceMappingPlan
    let raw = "arn:aws:sqs:us-east-1:000000000000:raw"
    let other = "arn:aws:sqs:us-east-1:000000000000:other"

    func desired(_ source: String, batchSize: Int = 10, function: String = "clean") -> Plan.Desired {
        Plan.Desired(function: function, sourceArn: source, settings: .init(batchSize: batchSize))
    }

    func existing(_ uuid: String, _ source: String, owner: String?, batchSize: Int = 10, function: String = "clean") -> Plan.Existing {
        Plan.Existing(uuid: uuid, function: function, sourceArn: source, settings: .init(batchSize: batchSize), owner: owner)
    }

    @Test func createsWhatIsMissing() {
        let plan = Plan(app: "logs", desired: [desired(raw)], existing: [])
        #expect(plan.actions == [.create(desired(raw))])
    }

    @Test func updatesOnlyWhatChanged() {
        let plan = Plan(
            app: "logs", desired: [desired(raw, batchSize: 5), desired(other)],
            existing: [existing("1", raw, owner: "logs"), existing("2", other, owner: "logs")])
        #expect(plan.actions == [.update(uuid: "1", desired(raw, batchSize: 5)), .unchanged(uuid: "2", desired(other))])
    }

    @Test func deletesItsOwnThatAreGoneAndLeavesTheRest() {
        let plan = Plan(
            app: "logs", desired: [],
            existing: [
                existing("mine", raw, owner: "logs"), existing("by-hand", other, owner: nil),
                existing("another-app", raw, owner: "shop", function: "orders"),
            ])
        #expect(plan.actions == [.delete(existing("mine", raw, owner: "logs"))])
    }

    @Test func aHandMadeMappingForTheSamePairIsLeftAlone() {
        let plan = Plan(app: "logs", desired: [desired(raw, batchSize: 3)], existing: [existing("by-hand", raw, owner: nil)])
        #expect(plan.actions == [.foreign(uuid: "by-hand", desired(raw, batchSize: 3))])
    }

    @Test func aMappingOfAnotherFunctionIsAnotherMapping() {
        let plan = Plan(app: "logs", desired: [desired(raw)], existing: [existing("1", raw, owner: "logs", function: "old")])
        #expect(plan.actions == [.create(desired(raw)), .delete(existing("1", raw, owner: "logs", function: "old"))])
    }

    @Test func aDuplicateOfOursIsDeleted() {
        let plan = Plan(app: "logs", desired: [desired(raw)], existing: [existing("1", raw, owner: "logs"), existing("2", raw, owner: "logs")])
        #expect(plan.actions == [.unchanged(uuid: "1", desired(raw)), .delete(existing("2", raw, owner: "logs"))])
    }

    @Test func settingsDefaultAsAWSDoes() {
        let omitted = Plan.Settings(try! decodeSQS("queue: raw"))
        #expect(omitted == Plan.Settings(batchSize: 10, batchWindow: 0, reportBatchItemFailures: false, maxConcurrency: nil, enabled: true))
        let wire: [String: Any] = [
            "UUID": "u", "FunctionArn": "arn:aws:lambda:us-east-1:000000000000:function:clean", "EventSourceArn": raw,
            "BatchSize": 5, "MaximumBatchingWindowInSeconds": 2, "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "ScalingConfig": ["MaximumConcurrency": 3], "State": "Disabled",
        ]
        let parsed = Plan.Existing(wire: wire, owner: "logs")
        #expect(parsed?.function == "clean")
        #expect(parsed?.settings == Plan.Settings(batchSize: 5, batchWindow: 2, reportBatchItemFailures: true, maxConcurrency: 3, enabled: false))
        let update = Plan.Settings().wire
        #expect(update["FunctionResponseTypes"] as? [String] == [])
        #expect((update["ScalingConfig"] as? [String: Any])?.isEmpty == true)
    }

    @Test func aMappingOnAnAliasKeepsItsQualifier() {
        let wire: [String: Any] = [
            "UUID": "u", "FunctionArn": "arn:aws:lambda:us-east-1:000000000000:function:clean:live", "EventSourceArn": raw,
        ]
        #expect(Plan.Existing(wire: wire, owner: nil)?.function == "clean:live")
    }

    func decodeSQS(_ yaml: String) throws -> Manifest.SQS {
        let manifest = try Manifest.parse(Data("functions: [{name: f, runtime: x, events: [{sqs: {\(yaml)}}]}]".utf8), path: "gust.yaml")
        return try #require(manifest.functions[0].events?[0].sqs)
    }
}
