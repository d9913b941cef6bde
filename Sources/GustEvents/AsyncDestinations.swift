import Foundation
import GustCore
import GustQueue
import GustStore

/// Delivers what the async path produces besides invocations: destination records
/// (OnSuccess/OnFailure) and a function's dead letters (`DeadLetterConfig`), to an SQS queue or,
/// as a new async event, to another function. Delivery is at least once: a server that dies after
/// delivering and before completing the event delivers again.
public struct AsyncDestinations: Sendable {
    let queues: QueueService
    let events: any AsyncEventQueue
    let enqueued: @Sendable () -> Void

    public init(queues: QueueService, events: any AsyncEventQueue, enqueued: @escaping @Sendable () -> Void) {
        self.queues = queues
        self.events = events
        self.enqueued = enqueued
    }

    public func deliver(_ record: DestinationRecord, to arn: String) async throws(GustError) {
        try await send(record.json(), attributes: [:], to: arn, requestID: "\(record.requestID)-\(record.condition.rawValue)")
    }

    /// Lambda's dead letter: the event itself, with the request id and the error as attributes.
    public func deadLetter(_ event: AsyncEvent, response: InvocationResponse?, reason: String, to arn: String) async throws(GustError) {
        var attributes = ["RequestID": MessageAttributeValue(dataType: "String", stringValue: event.requestID)]
        attributes["ErrorCode"] = MessageAttributeValue(dataType: "Number", stringValue: response?.functionError == nil ? "500" : "200")
        attributes["ErrorMessage"] = MessageAttributeValue(dataType: "String", stringValue: Self.errorMessage(response) ?? reason)
        try await send(event.payload, attributes: attributes, to: arn, requestID: "\(event.requestID)-dlq")
    }

    private func send(_ body: [UInt8], attributes: [String: MessageAttributeValue], to arn: String, requestID: String) async throws(GustError) {
        switch try Destination(arn: arn) {
        case .queue(let name):
            do throws(QueueError) {
                let queue = try await queues.queue(named: name)
                let entry = SendEntry(
                    body: String(decoding: body, as: UTF8.self), attributes: attributes,
                    groupID: queue.isFIFO ? "gust-destination" : nil,
                    deduplicationID: queue.isFIFO ? requestID : nil)
                if case .failure(let error) = try await queues.send(queue, [entry], senderID: "gust-lambda").first {
                    throw error
                }
            } catch {
                throw .internalError("cannot deliver to \(arn): \(error)")
            }
        case .function(let name, let qualifier):
            // The request id names the delivery, so delivering twice enqueues once.
            _ = try await events.enqueue(AsyncEvent(requestID: requestID, functionName: name, qualifier: qualifier, payload: body))
            enqueued()
        }
    }

    /// `errorMessage` of Lambda's error document, when the function produced one.
    static func errorMessage(_ response: InvocationResponse?) -> String? {
        guard let response, response.functionError != nil,
            let object = try? JSONSerialization.jsonObject(with: Data(response.payload)) as? [String: Any]
        else { return nil }
        return object["errorMessage"] as? String
    }
}
