import Foundation
import Testing

@testable import GustScheduler

@Suite struct PoolStateMachineTests {
    let t0 = Date(timeIntervalSince1970: 1_000_000)

    func describe(_ resumptions: PoolStateMachine.Resumptions) -> [String] {
        resumptions.map { "\($0.waiter):\($0.grant.map { "\($0)" } ?? "throttle")" }
    }

    @Test func firstRequestStartsAnInstanceAndTheNextReusesIt() {
        var pool = PoolStateMachine(maxInstances: 2, maxWaiters: 4, idPrefix: "f")
        #expect(pool.acquire(waiter: 1) == .proceed(.start(instanceID: "f-1")))
        pool.started(instanceID: "f-1")
        #expect(pool.release(instanceID: "f-1", survives: true, now: t0).isEmpty)
        #expect(pool.acquire(waiter: 2) == .proceed(.use(instanceID: "f-1")))
    }

    @Test func anIdleInstanceOnTheCallersThreadComesFirst() {
        var pool = PoolStateMachine(maxInstances: 3, maxWaiters: 4, idPrefix: "f")
        #expect(pool.acquire(waiter: 1, near: 7) == .proceed(.start(instanceID: "f-1")))
        #expect(pool.acquire(waiter: 2, near: 8) == .proceed(.start(instanceID: "f-2")))
        pool.started(instanceID: "f-1", thread: 7)
        pool.started(instanceID: "f-2", thread: 8)
        _ = pool.release(instanceID: "f-1", survives: true, now: t0)
        _ = pool.release(instanceID: "f-2", survives: true, now: t0)
        // f-2 is the most recently idle, but f-1 lives on the caller's thread.
        #expect(pool.acquireIdle(near: 7) == "f-1")
        _ = pool.release(instanceID: "f-1", survives: true, now: t0)
        // No instance on the caller's thread (or no thread): the most recently idle.
        #expect(pool.acquireIdle(near: 9) == "f-1")
        #expect(pool.acquireIdle(near: nil) == "f-2")
        #expect(pool.acquireIdle(near: 7) == nil)
    }

    @Test func requestsOverTheCapWaitThenAreThrottled() {
        var pool = PoolStateMachine(maxInstances: 2, maxWaiters: 1)
        guard case .proceed(.start(let a)) = pool.acquire(waiter: 1), case .proceed(.start(let b)) = pool.acquire(waiter: 2) else {
            Issue.record("expected two starts")
            return
        }
        #expect(a != b)
        #expect(pool.acquire(waiter: 3) == .wait)
        #expect(pool.acquire(waiter: 4) == .throttle)
        pool.started(instanceID: a)
        // The freed instance goes straight to the waiter instead of idling.
        #expect(describe(pool.release(instanceID: a, survives: true, now: t0)) == ["3:\(PoolStateMachine.Grant.use(instanceID: a))"])
        #expect(pool.instances.count == 2)
    }

    @Test func aDeadInstanceIsReplacedForTheWaiter() {
        var pool = PoolStateMachine(maxInstances: 1, maxWaiters: 4, idPrefix: "p")
        _ = pool.acquire(waiter: 1)
        pool.started(instanceID: "p-1")
        #expect(pool.acquire(waiter: 2) == .wait)
        #expect(describe(pool.release(instanceID: "p-1", survives: false, now: t0)) == ["2:\(PoolStateMachine.Grant.start(instanceID: "p-2"))"])
        #expect(pool.instances.keys.sorted() == ["p-2"])
    }

    @Test func zeroReservedConcurrencyThrottlesEverything() {
        var pool = PoolStateMachine(maxInstances: 0, maxWaiters: 10)
        #expect(pool.acquire(waiter: 1) == .throttle)
    }

    @Test func idleInstancesExpireAfterKeepAliveOnly() {
        var pool = PoolStateMachine(maxInstances: 3, maxWaiters: 0, idPrefix: "k")
        _ = pool.acquire(waiter: 1)
        _ = pool.acquire(waiter: 2)
        pool.started(instanceID: "k-1")
        pool.started(instanceID: "k-2")
        _ = pool.release(instanceID: "k-1", survives: true, now: t0)
        _ = pool.release(instanceID: "k-2", survives: true, now: t0.addingTimeInterval(8))
        #expect(pool.expire(now: t0.addingTimeInterval(9), keepAlive: 10).isEmpty)
        #expect(pool.expire(now: t0.addingTimeInterval(10), keepAlive: 10) == ["k-1"])
        #expect(pool.expire(now: t0.addingTimeInterval(18), keepAlive: 10) == ["k-2"])
        #expect(pool.isEmpty)
    }

    @Test func theMostRecentlyUsedIdleInstanceIsPreferred() {
        var pool = PoolStateMachine(maxInstances: 2, maxWaiters: 0, idPrefix: "m")
        _ = pool.acquire(waiter: 1)
        _ = pool.acquire(waiter: 2)
        pool.started(instanceID: "m-1")
        pool.started(instanceID: "m-2")
        _ = pool.release(instanceID: "m-2", survives: true, now: t0)
        _ = pool.release(instanceID: "m-1", survives: true, now: t0.addingTimeInterval(1))
        #expect(pool.acquire(waiter: 3) == .proceed(.use(instanceID: "m-1")))
    }

    @Test func cancelledWaiterIsForgotten() {
        var pool = PoolStateMachine(maxInstances: 1, maxWaiters: 2)
        _ = pool.acquire(waiter: 1)
        #expect(pool.acquire(waiter: 2) == .wait)
        let first = pool.cancel(waiter: 2)
        let second = pool.cancel(waiter: 2)
        #expect(first)
        #expect(!second)
        #expect(pool.waiters.isEmpty)
    }

    @Test func shrinkingTheCapToZeroThrottlesWaitersOnceNothingIsLeft() {
        var pool = PoolStateMachine(maxInstances: 1, maxWaiters: 4, idPrefix: "z")
        _ = pool.acquire(waiter: 1)
        pool.started(instanceID: "z-1")
        #expect(pool.acquire(waiter: 2) == .wait)
        #expect(pool.acquire(waiter: 3) == .wait)
        let change = pool.setMaxInstances(0)
        #expect(change.resume.isEmpty)  // z-1 is still busy and may serve them
        #expect(describe(pool.release(instanceID: "z-1", survives: false, now: t0)) == ["2:throttle", "3:throttle"])
        #expect(pool.isEmpty)
    }

    @Test func raisingTheCapStartsInstancesForWaiters() {
        var pool = PoolStateMachine(maxInstances: 1, maxWaiters: 4, idPrefix: "r")
        _ = pool.acquire(waiter: 1)
        #expect(pool.acquire(waiter: 2) == .wait)
        let change = pool.setMaxInstances(3)
        #expect(describe(change.resume) == ["2:\(PoolStateMachine.Grant.start(instanceID: "r-2"))"])
    }

    @Test func acquireIdleTakesOnlyAFreeInstanceAndNeverStartsOne() {
        var pool = PoolStateMachine(maxInstances: 3, maxWaiters: 4, idPrefix: "w")
        #expect(pool.acquireIdle() == nil)
        #expect(pool.instances.isEmpty)
        for waiter in 1...2 { _ = pool.acquire(waiter: waiter) }
        for id in ["w-1", "w-2"] { pool.started(instanceID: id) }
        _ = pool.release(instanceID: "w-1", survives: true, now: Date(timeIntervalSince1970: 10))
        _ = pool.release(instanceID: "w-2", survives: true, now: Date(timeIntervalSince1970: 20))
        // The most recently idle first.
        #expect(pool.acquireIdle() == "w-2")
        #expect(pool.instances["w-2"] == .busy)
        #expect(pool.acquireIdle() == "w-1")
        #expect(pool.acquireIdle() == nil)
        #expect(pool.instances.count == 2)
    }

    @Test func acquireIdleNeverReturnsAnExpiredOrStoppedInstance() {
        var pool = PoolStateMachine(maxInstances: 2, maxWaiters: 4, idPrefix: "e")
        for waiter in 1...2 { _ = pool.acquire(waiter: waiter) }
        for id in ["e-1", "e-2"] { pool.started(instanceID: id) }
        _ = pool.release(instanceID: "e-1", survives: true, now: Date(timeIntervalSince1970: 0))
        _ = pool.release(instanceID: "e-2", survives: true, now: Date(timeIntervalSince1970: 100))
        #expect(pool.expire(now: Date(timeIntervalSince1970: 105), keepAlive: 50) == ["e-1"])
        #expect(pool.acquireIdle() == "e-2")
        #expect(pool.acquireIdle() == nil)
        _ = pool.release(instanceID: "e-2", survives: true, now: Date(timeIntervalSince1970: 110))
        #expect(pool.setMaxInstances(0).stop == ["e-2"])
        #expect(pool.acquireIdle() == nil)
    }

    @Test func acquireIdleLeavesAFreedInstanceToWaitersFirst() {
        var pool = PoolStateMachine(maxInstances: 1, maxWaiters: 4, idPrefix: "q")
        _ = pool.acquire(waiter: 1)
        pool.started(instanceID: "q-1")
        #expect(pool.acquire(waiter: 2) == .wait)
        // Released straight to the waiter: nothing is idle for the warm path to take.
        #expect(pool.release(instanceID: "q-1", survives: true, now: Date()).map(\.waiter) == [2])
        #expect(pool.acquireIdle() == nil)
    }
}
