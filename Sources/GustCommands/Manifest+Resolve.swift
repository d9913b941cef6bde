import Foundation
import GustAWSWire
import GustCore

/// Names in the manifest turned into what the APIs take: queues in creation order, ARNs.
extension Manifest {
    /// An SQS queue's ARN in Gust's one account and region; an ARN is kept as it is.
    static func queueArn(_ nameOrArn: String) -> String {
        if nameOrArn.hasPrefix("arn:") { return nameOrArn }
        return ARN(service: "sqs", region: FunctionName.region, account: FunctionName.account, resource: nameOrArn).description
    }

    /// The queues to create or update, each after its dead-letter queue, so a redrive policy always
    /// names a queue that exists. A dead-letter queue named but not declared comes first with
    /// SQS's default attributes.
    func queuesInOrder() throws -> [Queue] {
        var declared: [String: Queue] = [:]
        for queue in queues {
            guard declared.updateValue(queue, forKey: queue.name) == nil else {
                throw CLIError("queue \(queue.name) is declared twice")
            }
        }
        var ordered: [Queue] = []
        var done = Set<String>()
        func visit(_ name: String, path: [String]) throws {
            if done.contains(name) { return }
            guard !path.contains(name) else {
                throw CLIError("queues: dead-letter queues form a cycle: \((path + [name]).joined(separator: " → "))")
            }
            let queue = declared[name] ?? Queue(name: name)
            if let deadLetter = queue.deadLetter { try visit(deadLetter.queue, path: path + [name]) }
            done.insert(name)
            ordered.append(queue)
        }
        for queue in queues { try visit(queue.name, path: []) }
        return ordered
    }

    /// The ARN an async destination names. A bare name is looked up among the queues and the
    /// functions (those in the manifest and those on the server); one that names both must say which.
    static func destinationArn(_ destination: Destination, queues: Set<String>, functions: Set<String>) throws -> String {
        switch destination {
        case .queue(let name): return queueArn(name)
        case .function(let name): return name.hasPrefix("arn:") ? name : FunctionName.arn(name)
        case .name(let name):
            if name.hasPrefix("arn:") { return name }
            switch (queues.contains(name), functions.contains(name)) {
            case (true, false): return queueArn(name)
            case (false, true): return FunctionName.arn(name)
            case (true, true):
                throw CLIError("destination \(name) names both a queue and a function: write {queue: \(name)} or {function: \(name)}")
            case (false, false):
                throw CLIError("destination \(name) is neither a queue nor a function (declare it, or give an ARN)")
            }
        }
    }
}

extension Manifest.Queue {
    init(name: String, attributes: [String: String]? = nil, deadLetter: DeadLetter? = nil) {
        self.name = name
        self.attributes = attributes
        self.deadLetter = deadLetter
    }

    /// The attributes to set, with the dead-letter queue as SQS's `RedrivePolicy` JSON.
    var wireAttributes: [String: String] {
        var result = attributes ?? [:]
        if let deadLetter {
            let policy: [String: Any] = [
                "deadLetterTargetArn": Manifest.queueArn(deadLetter.queue), "maxReceiveCount": deadLetter.maxReceiveCount,
            ]
            let json = try? JSONSerialization.data(withJSONObject: policy, options: [.sortedKeys, .withoutEscapingSlashes])
            result["RedrivePolicy"] = json.map { String(decoding: $0, as: UTF8.self) }
        }
        return result
    }
}
