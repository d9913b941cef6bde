import Dispatch
import Synchronization
import Testing

@testable import GustWasm

@Suite struct GuestExecutorTests {
    /// With its only worker held by a call that never returns on its own, another call still
    /// runs: the monitor adds a worker. Without that, the second call would wait forever (the
    /// generous bound below only keeps a broken executor from hanging the suite).
    @Test func aStuckCallDoesNotHoldUpOthers() {
        let executor = GuestExecutor(baseWorkers: 1)
        let release = DispatchSemaphore(value: 0)
        let stuckRunning = DispatchSemaphore(value: 0)
        let otherRan = DispatchSemaphore(value: 0)
        executor.submit {
            stuckRunning.signal()
            release.wait()
        }
        stuckRunning.wait()
        executor.submit { otherRan.signal() }
        #expect(otherRan.wait(timeout: .now() + .seconds(30)) == .success)
        release.signal()
    }

    /// A lane's jobs run one at a time and in order, on any worker.
    @Test func laneRunsItsJobsInOrderWithoutOverlap() {
        let lane = GuestLane(executor: GuestExecutor(baseWorkers: 4))
        let log = Mutex<(order: [Int], running: Int, overlapped: Bool)>(([], 0, false))
        let done = DispatchSemaphore(value: 0)
        let count = 200
        for index in 0..<count {
            #expect(lane.run {
                log.withLock { log in
                    log.running += 1
                    if log.running > 1 { log.overlapped = true }
                }
                log.withLock { log in
                    log.order.append(index)
                    log.running -= 1
                }
                if index == count - 1 { done.signal() }
            })
        }
        #expect(done.wait(timeout: .now() + .seconds(30)) == .success)
        let result = log.withLock { $0 }
        #expect(result.order == Array(0..<count))
        #expect(!result.overlapped)
        lane.close()
        #expect(!lane.run {})
    }
}
