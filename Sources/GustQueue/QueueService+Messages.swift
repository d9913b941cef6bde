import Crypto
import Foundation
import GustAWSWire

extension QueueService {
    /// Sends `entries` to `queue` in one transaction. Each entry's answer is its own: a bad one
    /// fails alone, as in a batch.
    public func send(
        _ queue: QueueRecord, _ entries: [SendEntry], senderID: String
    ) async throws(QueueError) -> [Result<SentMessage, QueueError>] {
        let now = Date()
        var failures: [Int: QueueError] = [:]
        var outgoing: [OutgoingMessage] = []
        for (index, entry) in entries.enumerated() {
            do throws(QueueError) {
                outgoing.append(try message(entry, for: queue, senderID: senderID, now: now))
            } catch {
                failures[index] = error
            }
        }
        var sent = (outgoing.isEmpty ? [] : try await store.send(queueID: queue.id, outgoing)).makeIterator()
        if !outgoing.isEmpty { wakeups.signal(queue.id) }
        // The store answers the valid entries in order; the others keep their failure.
        return entries.indices.map { index in
            if let failure = failures[index] { return .failure(failure) }
            guard let answer = sent.next() else { return .failure(QueueError(.internalFailure, "Internal error")) }
            return .success(answer)
        }
    }

    /// A FIFO batch missing a group id, or a deduplication id the queue cannot derive, fails
    /// whole on AWS rather than entry by entry.
    public func checkFIFOBatch(_ queue: QueueRecord, _ entries: [SendEntry]) throws(QueueError) {
        guard queue.isFIFO else { return }
        for entry in entries {
            if entry.groupID?.isEmpty ?? true {
                throw QueueError(.missingParameter, "The request must contain the parameter MessageGroupId.")
            }
            if entry.deduplicationID == nil && !queue.settings.contentBasedDeduplication {
                throw .invalid("The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")
            }
        }
    }

    /// Receives up to `options.maxMessages`, waiting up to the wait time for the first one.
    public func receive(_ queue: QueueRecord, _ options: ReceiveOptions) async throws(QueueError) -> [ReceivedMessage] {
        guard (1...10).contains(options.maxMessages) else {
            throw .invalid("Value \(options.maxMessages) for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.")
        }
        if let visibility = options.visibilitySeconds, !(0...43_200).contains(visibility) {
            throw .invalid("Value \(visibility) for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, if provided.")
        }
        if let wait = options.waitSeconds, !(0...20).contains(wait) {
            throw .invalid("Value \(wait) for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.")
        }
        let settings = queue.settings
        var deadLetter: (queueID: Int64, maxReceiveCount: Int, sourceArn: String)?
        if let redrive = settings.redrive, let arn = ARN(redrive.deadLetterTargetArn), arn.service == "sqs",
            let target = try? await self.queue(named: arn.resource)
        {
            deadLetter = (target.id, redrive.maxReceiveCount, self.arn(queue.name))
        }
        let deadline = options.waitUntil ?? Date().addingTimeInterval(TimeInterval(options.waitSeconds ?? settings.receiveWaitSeconds))
        while true {
            let generation = wakeups.generation(queue.id)
            let now = Date()
            let outcome = try await store.receive(
                ReceiveRequest(
                    queueID: queue.id, fifo: queue.isFIFO, limit: options.maxMessages,
                    visibility: TimeInterval(options.visibilitySeconds ?? settings.visibilitySeconds), now: now,
                    deadLetter: deadLetter))
            if outcome.deadLettered > 0, let deadLetter { wakeups.signal(deadLetter.queueID) }
            if !outcome.messages.isEmpty || now >= deadline || Task.isCancelled || wakeups.isStopped {
                return outcome.messages
            }
            let until = min(deadline, outcome.nextVisibleAt ?? deadline)
            await wakeups.wait(queue.id, after: generation, until: until)
        }
    }

    /// Deletes the messages the receipt handles name; each handle's answer is its own.
    public func delete(_ queue: QueueRecord, receipts: [String]) async throws(QueueError) -> [Result<Void, QueueError>] {
        var results: [Result<Void, QueueError>] = []
        var valid: [ReceiptHandle] = []
        for text in receipts {
            do throws(QueueError) {
                let receipt = try ReceiptHandle(parsing: text)
                guard receipt.queueID == queue.id else {
                    throw QueueError(.receiptHandleIsInvalid, "The input receipt handle \"\(text)\" is not a valid receipt handle.")
                }
                valid.append(receipt)
                results.append(.success(()))
            } catch {
                results.append(.failure(error))
            }
        }
        if !valid.isEmpty {
            try await store.delete(queueID: queue.id, valid)
            // A FIFO group whose message is gone may deliver its next one.
            if queue.isFIFO { wakeups.signal(queue.id) }
        }
        return results
    }

    /// Sets each receipt's message visible after the given seconds.
    public func changeVisibility(
        _ queue: QueueRecord, _ changes: [(receipt: String, seconds: Int)]
    ) async throws(QueueError) -> [Result<Void, QueueError>] {
        let now = Date()
        var results: [Result<Void, QueueError>] = []
        var valid: [(index: Int, change: (receipt: ReceiptHandle, visibleAt: Date))] = []
        for (index, change) in changes.enumerated() {
            do throws(QueueError) {
                guard (0...43_200).contains(change.seconds) else {
                    throw .invalid("Value \(change.seconds) for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, if provided.")
                }
                let receipt = try ReceiptHandle(parsing: change.receipt)
                guard receipt.queueID == queue.id else {
                    throw QueueError(.receiptHandleIsInvalid, "The input receipt handle \"\(change.receipt)\" is not a valid receipt handle.")
                }
                valid.append((index, (receipt, now.addingTimeInterval(TimeInterval(change.seconds)))))
                results.append(.success(()))
            } catch {
                results.append(.failure(error))
            }
        }
        guard !valid.isEmpty else { return results }
        let outcomes = try await store.changeVisibility(queueID: queue.id, valid.map(\.change), now: now)
        for (slot, outcome) in zip(valid, outcomes) where outcome != .changed {
            let handle = changes[slot.index].receipt
            results[slot.index] = .failure(
                QueueError(.messageNotInflight, "Message does not exist or is not available for visibility timeout change. Receipt handle: \(handle)"))
        }
        wakeups.signal(queue.id)
        return results
    }

    /// Checks `entry` against the queue's rules and makes it ready to store.
    func message(_ entry: SendEntry, for queue: QueueRecord, senderID: String, now: Date) throws(QueueError) -> OutgoingMessage {
        let settings = queue.settings
        try MessageRules.checkBody(entry.body)
        let attributeBytes = try MessageRules.checkAttributes(entry.attributes)
        try MessageRules.checkSystemAttributes(entry.systemAttributes)
        let size = entry.body.utf8.count + attributeBytes
        if size > settings.maximumMessageSize {
            throw .invalid("One or more parameters are invalid. Reason: Message must be shorter than \(settings.maximumMessageSize) bytes.")
        }
        if let delay = entry.delaySeconds, !(0...900).contains(delay) {
            throw .invalid("Value \(delay) for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.")
        }
        var deduplication: (key: String, until: Date)?
        var groupID: String?
        var deduplicationID: String?
        if queue.isFIFO {
            if let delay = entry.delaySeconds, delay != 0 {
                throw .invalid("Value \(delay) for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.")
            }
            guard let group = entry.groupID, !group.isEmpty else {
                throw QueueError(.missingParameter, "The request must contain the parameter MessageGroupId.")
            }
            try Self.checkFIFOToken(group, "MessageGroupId")
            groupID = group
            if let id = entry.deduplicationID {
                try Self.checkFIFOToken(id, "MessageDeduplicationId")
                deduplicationID = id
            } else if settings.contentBasedDeduplication {
                deduplicationID = SHA256.hash(data: Array(entry.body.utf8)).map { String(format: "%02x", $0) }.joined()
            } else {
                throw .invalid("The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")
            }
            let key = settings.deduplicatesPerGroup ? "\(group)\u{1F}\(deduplicationID!)" : deduplicationID!
            deduplication = (key, now.addingTimeInterval(Self.deduplicationWindow))
        } else if entry.deduplicationID != nil {
            throw .invalid("Value \(entry.deduplicationID!) for parameter MessageDeduplicationId is invalid. Reason: The request include parameter that is not valid for this queue type.")
        }
        let delay = queue.isFIFO ? settings.delaySeconds : entry.delaySeconds ?? settings.delaySeconds
        return OutgoingMessage(
            messageID: UUID().uuidString.lowercased(), body: entry.body, attributes: entry.attributes,
            systemAttributes: entry.systemAttributes, senderID: senderID, sentAt: now,
            visibleAt: now.addingTimeInterval(TimeInterval(delay)),
            expiresAt: now.addingTimeInterval(TimeInterval(settings.retentionSeconds)), groupID: groupID,
            deduplicationID: deduplicationID, deduplication: deduplication)
    }

    /// Group and deduplication ids: 1–128 printable ASCII characters.
    private static func checkFIFOToken(_ value: String, _ name: String) throws(QueueError) {
        guard !value.isEmpty, value.utf8.count <= 128, value.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw .invalid("Value \(value) for parameter \(name) is invalid. Reason: \(name) can only include alphanumeric and punctuation characters. 1 to 128 in length.")
        }
    }
}

