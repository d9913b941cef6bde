import ArgumentParser
import Foundation

struct Queues: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List queues with their depth.")

    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await runReporting {
            let queues = try await options.client().queues()
            if options.json {
                Output.json(["Queues": queues])
                return
            }
            Output.table(
                ["NAME", "MESSAGES", "IN FLIGHT", "DELAYED", "URL"],
                queues.map { q in
                    [
                        q["QueueName"] as? String ?? "", "\(q["ApproximateNumberOfMessages"] as? Int ?? 0)",
                        "\(q["ApproximateNumberOfMessagesNotVisible"] as? Int ?? 0)",
                        "\(q["ApproximateNumberOfMessagesDelayed"] as? Int ?? 0)", q["QueueUrl"] as? String ?? "",
                    ]
                })
        }
    }
}
