import Foundation
import GustAWSWire
import GustCore

/// Lambda's FunctionEventInvokeConfig: how the async path treats one function version or alias's
/// events. Nil fields take Lambda's defaults (two retries, six hours).
public struct EventInvokeConfig: Sendable, Codable, Equatable {
    public var functionName: String
    /// `$LATEST`, a version or an alias.
    public var qualifier: String
    public var maximumRetryAttempts: Int?
    public var maximumEventAgeSeconds: Int?
    /// Destination ARNs: an SQS queue or a Lambda function.
    public var onSuccess: String?
    public var onFailure: String?
    public var lastModified: Date

    public init(
        functionName: String, qualifier: String = FunctionConfiguration.latest, maximumRetryAttempts: Int? = nil,
        maximumEventAgeSeconds: Int? = nil, onSuccess: String? = nil, onFailure: String? = nil, lastModified: Date = Date()
    ) {
        self.functionName = functionName
        self.qualifier = qualifier
        self.maximumRetryAttempts = maximumRetryAttempts
        self.maximumEventAgeSeconds = maximumEventAgeSeconds
        self.onSuccess = onSuccess
        self.onFailure = onFailure
        self.lastModified = lastModified
    }

    /// Lambda's limits, with its messages.
    public func validate() throws(GustError) {
        if let retries = maximumRetryAttempts, !(0...2).contains(retries) {
            throw .invalid("1 validation error detected: Value '\(retries)' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 2")
        }
        if let age = maximumEventAgeSeconds, !(60...21600).contains(age) {
            throw .invalid("1 validation error detected: Value '\(age)' at 'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value between 60 and 21600")
        }
        for destination in [onSuccess, onFailure].compactMap({ $0 }) {
            try Destination.validate(destination)
        }
    }
}

/// Where Gust can send a destination record or a dead letter: an SQS queue or a Lambda function.
public enum Destination: Sendable, Equatable {
    case queue(name: String)
    case function(name: String, qualifier: String?)

    public init(arn: String) throws(GustError) {
        guard let parsed = ARN(arn) else { throw .invalid("The destination ARN \(arn) is invalid.") }
        switch parsed.service {
        case "sqs" where !parsed.resource.isEmpty && !parsed.resource.contains(":"):
            self = .queue(name: parsed.resource)
        case "lambda":
            let (name, qualifier) = try FunctionName.parse(arn)
            self = .function(name: name, qualifier: qualifier)
        default:
            throw .invalid("The destination ARN \(arn) is invalid. Gust delivers destination records to SQS queues and Lambda functions.")
        }
    }

    public static func validate(_ arn: String) throws(GustError) { _ = try Destination(arn: arn) }
}

/// Where event invoke configs are kept, one per function and qualifier.
public protocol EventInvokeConfigStore: Sendable {
    func putEventInvokeConfig(_ config: EventInvokeConfig) async throws(GustError)
    func eventInvokeConfig(functionName: String, qualifier: String) async throws(GustError) -> EventInvokeConfig?
    func eventInvokeConfigs(functionName: String) async throws(GustError) -> [EventInvokeConfig]
    /// False when there was none.
    func deleteEventInvokeConfig(functionName: String, qualifier: String) async throws(GustError) -> Bool
}
