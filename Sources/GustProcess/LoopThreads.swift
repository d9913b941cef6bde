import GustRuntime
import NIOCore
import NIOPosix
import Synchronization

/// NIO's event loops by thread (`ThreadAffinity`), so that an instance's Runtime API connection
/// can live on the loop of the request that started it: that request's connection, and usually
/// the ones after it, are then served without crossing threads.
enum LoopThreads {
    /// Learned once, by asking each loop which thread it runs on.
    private static let table = Mutex<[UInt: any EventLoop]?>(nil)

    /// The loop running on `thread`, else the group's next; with its thread when known.
    static func loop(near thread: UInt?) async -> (loop: any EventLoop, thread: UInt?) {
        let group = MultiThreadedEventLoopGroup.singleton
        let loops = await known()
        if let thread, let loop = loops[thread] { return (loop, thread) }
        let loop = group.next()
        return (loop, loops.first { $0.value === loop }?.key)
    }

    private static func known() async -> [UInt: any EventLoop] {
        if let table = table.withLock({ $0 }) { return table }
        var learned: [UInt: any EventLoop] = [:]
        for loop in MultiThreadedEventLoopGroup.singleton.makeIterator() {
            if let thread = try? await loop.submit({ ThreadAffinity.current }).get() { learned[thread] = loop }
        }
        table.withLock { $0 = learned }
        return learned
    }
}
