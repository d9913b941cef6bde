import NIOCore
import NIOPosix
import Testing

@testable import GustRuntime

@Suite struct ThreadAffinityTests {
    /// The chain a process instance relies on: a request's loop, as a number, finds that loop.
    @Test func aLoopIsFoundByTheNumberItsThreadsSee() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        for loop in group.makeIterator() {
            let seen = try await loop.submit { ThreadAffinity.current }.get()
            #expect(seen == ThreadAffinity.id(of: loop))
            #expect(ThreadAffinity.loop(seen, in: group) === loop)
        }
        // A loop of another group is not one of these: any of these will do, as off the loops.
        let other = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let elsewhere = try await other.next().submit { ThreadAffinity.current }.get()
        try await other.shutdownGracefully()
        #expect(elsewhere != nil)
        for chosen in [ThreadAffinity.loop(elsewhere, in: group), ThreadAffinity.loop(nil, in: group)] {
            #expect(group.makeIterator().contains { $0 === chosen })
        }
    }
}
