import Foundation
import Testing

@testable import GustQueue

@Suite struct QueueWakeupsTests {
    @Test func aSignalWakesAWaiterAtOnce() async {
        let wakeups = QueueWakeups()
        let generation = wakeups.generation(1)
        let start = ContinuousClock.now
        async let waited: Void = wakeups.wait(1, after: generation, until: Date().addingTimeInterval(10))
        try? await Task.sleep(for: .milliseconds(50))
        wakeups.signal(1)
        await waited
        #expect(ContinuousClock.now - start < .seconds(5))
    }

    @Test func aSignalBeforeTheWaitIsNotLost() async {
        let wakeups = QueueWakeups()
        let generation = wakeups.generation(7)
        wakeups.signal(7)
        let start = ContinuousClock.now
        await wakeups.wait(7, after: generation, until: Date().addingTimeInterval(10))
        #expect(ContinuousClock.now - start < .seconds(5))
    }

    /// Without a signal for its own queue, a wait lasts until its deadline: another queue's
    /// signal does not end it early.
    @Test func aWaitEndsAtItsDeadlineNotAtAnotherQueuesSignal() async {
        let wakeups = QueueWakeups()
        let start = ContinuousClock.now
        async let waited: Void = wakeups.wait(2, after: wakeups.generation(2), until: Date().addingTimeInterval(0.3))
        try? await Task.sleep(for: .milliseconds(20))
        wakeups.signal(3)
        await waited
        #expect(ContinuousClock.now - start >= .milliseconds(290))
    }
}

@Suite struct QueueWakeupsStopTests {
    @Test func stoppingEndsWaitsNowAndLater() async {
        let wakeups = QueueWakeups()
        async let waited: Void = wakeups.wait(1, after: wakeups.generation(1), until: Date().addingTimeInterval(30))
        try? await Task.sleep(for: .milliseconds(50))
        wakeups.stopWaiting()
        await waited
        let start = ContinuousClock.now
        await wakeups.wait(2, after: wakeups.generation(2), until: Date().addingTimeInterval(30))
        #expect(ContinuousClock.now - start < .seconds(5))
    }
}
