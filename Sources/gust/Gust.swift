import Foundation
import GustCommands
import NIOCore
import NIOPosix

@main
struct Gust {
    static func main() async {
        // Run Swift concurrency's global executor on NIO's event loop threads: every request would
        // otherwise hop between NIO's threads and Dispatch's, and on a small machine each hop is a
        // thread wake-up that costs more than the work. First statement: nothing is enqueued yet.
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        // A write to a function's pipe that died must be an error, not the end of the server.
        signal(SIGPIPE, SIG_IGN)
        await GustCommand.main()
    }
}
