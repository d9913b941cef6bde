import ArgumentParser
import Foundation

struct Buckets: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List buckets with their object counts and sizes.")

    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await runReporting {
            let client = try options.client()
            var buckets: [[String: Any]] = []
            // Counted by listing every object (S3 has no call that sums a bucket): a bucket of a
            // million objects costs a thousand pages.
            for var bucket in try await client.buckets() {
                let (objects, bytes) = try await client.bucketUsage(bucket["Name"] as? String ?? "")
                bucket["ObjectCount"] = objects
                bucket["TotalSize"] = bytes
                buckets.append(bucket)
            }
            if options.json {
                Output.json(["Buckets": buckets])
                return
            }
            Output.table(
                ["NAME", "OBJECTS", "SIZE", "CREATED"],
                buckets.map { b in
                    [
                        b["Name"] as? String ?? "", "\(b["ObjectCount"] as? Int ?? 0)", Self.size(b["TotalSize"] as? Int ?? 0),
                        b["CreationDate"] as? String ?? "",
                    ]
                })
        }
    }

    /// `0 B`, `999 B`, `1.5 KiB`, `12.0 MiB`: binary units, as `ls -h` and `du -h` count.
    static func size(_ bytes: Int) -> String {
        guard bytes >= 1024 else { return "\(bytes) B" }
        var value = Double(bytes) / 1024
        for unit in ["KiB", "MiB", "GiB", "TiB"] {
            if value < 1024 || unit == "TiB" { return String(format: "%.1f", value) + " \(unit)" }
            value /= 1024
        }
        return "\(bytes) B"
    }
}
