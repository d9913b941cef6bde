import Logging

/// The audit trail: one log line (`aws call`, level info) per AWS API call that may change
/// something, naming who signed it (`SigV4Key.principal`: `root`, or `function:NAME` for a
/// function's own key), the service, the action and the answer's status. Reads (`Get…`, `List…`,
/// `Describe…`, `Head…`) and `ReceiveMessage` (a poll, which would drown the rest) are left out;
/// so are invocations, which have records of their own.
enum AuditTrail {
    static let readPrefixes = ["Get", "List", "Describe", "Head", "Receive"]

    static func isMutating(_ action: String) -> Bool {
        !readPrefixes.contains { action.hasPrefix($0) }
    }

    static func record(_ logger: Logger, principal: String, service: String, action: String, status: Int) {
        logger.info(
            "aws call",
            metadata: ["principal": "\(principal)", "service": "\(service)", "action": "\(action)", "status": "\(status)"])
    }

    /// The action an AWS request names: the JSON protocol's `X-Amz-Target` (`AmazonSQS.SendMessage`)
    /// or the query protocol's `Action` parameter, in the query or the form body.
    static func action(target: String?, query: String?, body: [UInt8]) -> String? {
        if let target, let dot = target.lastIndex(of: ".") { return String(target[target.index(after: dot)...]) }
        for text in [query ?? "", String(decoding: body.prefix(4096), as: UTF8.self)] {
            for pair in text.split(separator: "&") where pair.hasPrefix("Action=") {
                return String(pair.dropFirst("Action=".count))
            }
        }
        return nil
    }
}
