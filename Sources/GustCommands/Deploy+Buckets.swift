import Foundation
import GustClient

/// The buckets of `gust deploy`: created before the functions, their notifications set after.
extension Deploy {
    /// The buckets on the server, and the manifest's checked against them before anything is
    /// changed: a function's `s3` event must name a bucket the manifest declares or one that exists.
    func checkBuckets(_ manifest: Manifest, rules: [String: [BucketNotificationPlan.Rule]], client: GustClient) async throws
        -> Set<String>
    {
        let declared = Set(try manifest.bucketNames())
        let existing = Set(try await client.buckets().compactMap { $0["Name"] as? String })
        for bucket in rules.keys.sorted() where !declared.contains(bucket) && !existing.contains(bucket) {
            let functions = Set(rules[bucket, default: []].map(\.functionName)).sorted()
            throw CLIError(
                "bucket \(bucket) (an s3 event of \(functions.joined(separator: ", "))) is neither declared under buckets: nor on the server")
        }
        return existing
    }

    /// Creates the declared buckets that are missing. Buckets gone from the file are kept: they
    /// hold objects.
    func deployBuckets(_ manifest: Manifest, existing: Set<String>, client: GustClient, say: (String) -> Void) async throws
        -> [[String: Any]]
    {
        var results: [[String: Any]] = []
        for name in try manifest.bucketNames() {
            // Another client may create it between the listing and here: that is no failure.
            let created = existing.contains(name) ? false : try await client.createBucket(name)
            say("bucket \(name): \(created ? "created" : "exists")")
            results.append(["Name": name, "Created": created])
        }
        return results
    }

    /// Sets the notifications of every bucket this app may have entries on (`BucketNotificationPlan`):
    /// those its `s3` events name, and every other bucket, where entries of an event since removed
    /// from the file are deleted. A bucket left as it was is not written.
    func deployNotifications(
        _ manifest: Manifest, app: String, rules: [String: [BucketNotificationPlan.Rule]], buckets: Set<String>,
        client: GustClient, say: (String) -> Void
    ) async throws -> [[String: Any]] {
        var results: [[String: Any]] = []
        for bucket in buckets.union(rules.keys).sorted() {
            let desired = rules[bucket] ?? []
            let current: XMLTree
            do {
                current = try await client.notificationConfiguration(bucket)
            } catch let error as GustClientError where desired.isEmpty && ["NotImplemented", "NoSuchBucket"].contains(error.code) {
                // Nothing to set here, and nothing of ours can be on it (a server without
                // notifications, or a bucket deleted since it was listed).
                continue
            } catch let error as GustClientError where error.code == "NotImplemented" {
                throw CLIError("bucket \(bucket): the server does not support bucket notifications (\(error))")
            }
            guard current.name == "NotificationConfiguration" else {
                throw CLIError("bucket \(bucket): the server answered <\(current.name)> for its notification configuration")
            }
            let plan = BucketNotificationPlan(current: current, app: app, desired: desired)
            let kept = plan.kept == 0 ? "" : "; \(plan.kept) other entr\(plan.kept == 1 ? "y" : "ies") kept"
            if plan.unchanged {
                if !desired.isEmpty {
                    say("bucket \(bucket): notifications unchanged → \(desired.map(\.summary).joined(separator: ", "))\(kept)")
                }
            } else {
                try await client.putNotificationConfiguration(bucket, plan.configuration)
                var parts = desired.isEmpty ? [] : ["→ \(desired.map(\.summary).joined(separator: ", "))"]
                if !plan.removed.isEmpty { parts.append("removed \(plan.removed.joined(separator: ", ")) (gone from the manifest)") }
                say("bucket \(bucket): notifications set \(parts.joined(separator: "; "))\(kept)")
            }
            if !desired.isEmpty || !plan.unchanged {
                results.append([
                    "Bucket": bucket, "Ids": desired.map(\.id), "Removed": plan.removed, "Kept": plan.kept, "Changed": !plan.unchanged,
                ])
            }
        }
        return results
    }
}
