import Foundation
import GustClient
import Testing

@testable import GustCommands

@Suite struct BucketManifestTests {
    func parse(_ yaml: String) throws -> Manifest {
        try Manifest.parse(Data(yaml.utf8), path: "gust.yaml")
    }

    func error(_ yaml: String) -> String {
        do {
            _ = try parse(yaml)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test func decodesBucketsAndS3Events() throws {
        let manifest = try parse(
            """
            buckets:
              - name: photos
              - thumbnails
            functions:
              - name: thumbnail
                runtime: python3.11
                events:
                  - s3: {bucket: photos, prefix: uploads/, suffix: .jpg}
                  - s3: thumbnails
                  - s3: {bucket: photos, events: [s3:ObjectRemoved:*, s3:ObjectCreated:Put], prefix: ""}
                  - s3: {bucket: photos, events: s3:ObjectCreated:Copy}
            """)
        #expect(manifest.buckets == [.init(name: "photos"), .init(name: "thumbnails")])
        let events = (manifest.functions[0].events ?? []).compactMap(\.s3)
        #expect(events[0] == .init(bucket: "photos", prefix: "uploads/", suffix: ".jpg"))
        #expect(events[0].events == ["s3:ObjectCreated:*"])
        #expect(events[1] == .init(bucket: "thumbnails"))
        #expect(events[2] == .init(bucket: "photos", events: ["s3:ObjectRemoved:*", "s3:ObjectCreated:Put"]))
        #expect(events[3].events == ["s3:ObjectCreated:Copy"])
    }

    @Test func bucketsAloneAreAnApp() throws {
        #expect(try parse("buckets: [photos]").buckets.map(\.name) == ["photos"])
    }

    @Test func unknownKeysAreRefusedWithTheirPlace() {
        #expect(error("bucket: [photos]").contains("unknown key 'bucket'"))
        #expect(error("buckets: [{name: a, versioning: true}]").contains("unknown key 'versioning'"))
        let misspelt = error("functions: [{name: f, runtime: x, events: [{s3: {bucket: a, prefx: up/}}]}]")
        #expect(misspelt.contains("unknown key 'prefx'"))
        #expect(misspelt.contains("bucket, events, prefix, suffix"))
        #expect(misspelt.contains("at .functions[0].events[0].s3"))
        #expect(error("functions: [{name: f, runtime: x, events: [{s4: a}]}]").contains("unknown key 's4'"))
        #expect(error("functions: [{name: f, runtime: x, evnets: []}]").contains("unknown key 'evnets'"))
        // Keys that hold anchors, and what was accepted before, still are.
        #expect(throws: Never.self) {
            try parse("x-python: &py {runtime: python3.11}\nfunctions: [{name: f, runtime: python3.11, x-note: n}]")
        }
        #expect(throws: Never.self) {
            try parse("name: a\nqueues: [{name: q, attributes: {X: 1}, deadLetter: {queue: d, maxReceiveCount: 1}}]")
        }
    }

    @Test func rulesNameTheAppFunctionAndEvent() throws {
        let manifest = try parse(
            """
            buckets: [photos, archives]
            functions:
              - name: thumbnail
                runtime: python3.11
                events:
                  - http: {path: /x}
                  - s3: {bucket: photos, prefix: uploads/}
                  - s3: {bucket: archives, suffix: .zip}
              - name: convert
                runtime: python3.11
                events: [{s3: {bucket: photos, prefix: uploads/}}]
            """)
        let rules = try manifest.notificationRules(app: "pipeline")
        #expect(rules["photos"]?.map(\.id) == ["gust-deploy:pipeline:thumbnail:1", "gust-deploy:pipeline:convert:1"])
        #expect(rules["archives"]?.map(\.id) == ["gust-deploy:pipeline:thumbnail:2"])
        #expect(rules["photos"]?[1].function == "arn:aws:lambda:us-east-1:000000000000:function:convert")
        #expect(rules["archives"]?[0].suffix == ".zip")
        #expect(try manifest.bucketNames() == ["photos", "archives"])
    }

    @Test func badEventsAndTwiceDeclaredBucketsAreRefused() throws {
        let notS3 = try parse("functions: [{name: f, runtime: x, events: [{s3: {bucket: a, events: [ObjectCreated]}}]}]")
        #expect(throws: CLIError.self) { try notS3.notificationRules(app: "a") }
        let none = try parse("functions: [{name: f, runtime: x, events: [{s3: {bucket: a, events: []}}]}]")
        #expect(throws: CLIError.self) { try none.notificationRules(app: "a") }
        #expect(throws: CLIError.self) { try parse("buckets: [a, {name: a}]").bucketNames() }
    }
}

@Suite struct BucketNotificationPlanTests {
    typealias Plan = BucketNotificationPlan
    let thumbnail = "arn:aws:lambda:us-east-1:000000000000:function:thumbnail"

    func rule(_ id: String, function: String? = nil, events: [String] = ["s3:ObjectCreated:*"], prefix: String? = nil) -> Plan.Rule {
        Plan.Rule(id: id, function: function ?? thumbnail, events: events, prefix: prefix)
    }

    func configuration(_ entries: [XMLTree]) -> XMLTree { XMLTree("NotificationConfiguration", children: entries) }

    /// A queue's entry made with awscli.
    let byHand = XMLTree(
        "QueueConfiguration",
        children: [
            XMLTree("Id", "audit"), XMLTree("Queue", "arn:aws:sqs:us-east-1:000000000000:audit"),
            XMLTree("Event", "s3:ObjectRemoved:*"),
        ])

    @Test func ownersAreReadFromIds() {
        #expect(Plan.owner(ofId: Plan.id(app: "pipeline", function: "thumbnail", index: 1)) == "pipeline")
        #expect(Plan.owner(ofId: "gust-deploy:my:app:convert:2") == "my:app")
        #expect(Plan.owner(ofId: "gust-deploy:a:f:x") == nil)
        #expect(Plan.owner(ofId: "gust-deploy:f:1") == nil)
        #expect(Plan.owner(ofId: "audit") == nil)
        // An app named like the start of another's name does not own the other's entries.
        #expect(Plan.owner(ofId: Plan.id(app: "a:b", function: "f", index: 1)) != "a")
    }

    @Test func keepsOthersAndReplacesItsOwn() {
        let otherApp = rule(Plan.id(app: "shop", function: "orders", index: 1), prefix: "orders/")
        let old = rule(Plan.id(app: "pipeline", function: "thumbnail", index: 1), prefix: "old/")
        let gone = rule(Plan.id(app: "pipeline", function: "resize", index: 1))
        let new = rule(Plan.id(app: "pipeline", function: "thumbnail", index: 1), prefix: "uploads/")
        let current = configuration([old.xml, byHand, otherApp.xml, gone.xml])
        let plan = Plan(current: current, app: "pipeline", desired: [new])
        #expect(!plan.unchanged)
        #expect(plan.kept == 2)
        #expect(plan.removed == [gone.id])
        // Queues before functions, as S3's schema lists them; kept entries before this app's.
        #expect(plan.configuration == configuration([byHand, otherApp.xml, new.xml]))
    }

    @Test func theSameEntriesNeedNoPut() {
        let ours = rule(Plan.id(app: "pipeline", function: "thumbnail", index: 1), events: ["s3:ObjectCreated:Put", "s3:ObjectCreated:Copy"])
        // Read back in another order (a server keeps its own).
        var answered = ours.xml
        answered.children = answered.children.reversed()
        let current = configuration([byHand, answered])
        let same = Plan(current: current, app: "pipeline", desired: [ours])
        #expect(same.unchanged && same.removed.isEmpty && same.kept == 1)
        let other = Plan(current: current, app: "pipeline", desired: [])
        #expect(!other.unchanged && other.removed == [ours.id])
        #expect(other.configuration == configuration([byHand]))
        #expect(Plan(current: configuration([byHand]), app: "pipeline", desired: []).unchanged)
    }

    @Test func filterRulesAreReadWhateverTheirCase() throws {
        let answered = try #require(
            XMLTree.parse(
                Array(
                    """
                    <?xml version="1.0" encoding="UTF-8"?>
                    <NotificationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
                      <CloudFunctionConfiguration>
                        <Id>gust-deploy:pipeline:thumbnail:1</Id>
                        <CloudFunction>arn:aws:lambda:us-east-1:000000000000:function:thumbnail</CloudFunction>
                        <Event>s3:ObjectCreated:*</Event>
                        <Filter><S3Key><FilterRule><Name>Prefix</Name><Value>uploads/</Value></FilterRule></S3Key></Filter>
                      </CloudFunctionConfiguration>
                    </NotificationConfiguration>
                    """.utf8)))
        let desired = rule("gust-deploy:pipeline:thumbnail:1", prefix: "uploads/")
        #expect(Plan.Rule(xml: answered.children[0]) == desired)
        #expect(Plan(current: answered, app: "pipeline", desired: [desired]).unchanged)
        // The element's name in S3's JSON and SDK types is read as well.
        var renamed = answered.children[0]
        renamed.name = "LambdaFunctionConfiguration"
        #expect(Plan.Rule(xml: renamed) == desired)
    }

    @Test func documentsRoundTrip() throws {
        let plan = Plan(
            current: configuration([byHand]), app: "pipeline",
            desired: [Plan.Rule(id: "gust-deploy:pipeline:unzip:1", function: thumbnail, events: ["s3:ObjectCreated:*"], suffix: ".zip & <co>")])
        let text = String(decoding: plan.configuration.document(), as: UTF8.self)
        #expect(text.contains(#"<NotificationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">"#))
        #expect(text.contains("<CloudFunctionConfiguration><Id>gust-deploy:pipeline:unzip:1</Id><CloudFunction>"))
        #expect(text.contains("<FilterRule><Name>suffix</Name><Value>.zip &amp; &lt;co&gt;</Value></FilterRule>"))
        #expect(XMLTree.parse(plan.configuration.document()) == plan.configuration)
    }
}
