import Foundation
import NIOCore
import NIOPosix
import Testing

@testable import GustGateway

@Suite struct EventLoopTaskExecutorTests {
    /// With the preference, the task's code and its resumptions after a suspension run on the
    /// connection's loop.
    @Test func jobsRunOnTheLoop() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let onLoop = await withTaskExecutorPreference(EventLoopTaskExecutor(loop)) {
            let before = loop.inEventLoop
            try? await Task.sleep(for: .milliseconds(1))
            let afterSleep = loop.inEventLoop
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                Thread.detachNewThread { done.resume() }
            }
            return [before, afterSleep, loop.inEventLoop]
        }
        #expect(onLoop == [true, true, true])
    }
}
