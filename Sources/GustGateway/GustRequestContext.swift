import Hummingbird
import NIOCore

/// The API port's request context: Hummingbird's basics plus the connection's event loop.
public struct GustRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The loop that owns the connection: where its response is written.
    public let eventLoop: any EventLoop

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        eventLoop = source.channel.eventLoop
    }
}

/// Runs a request's handling with the connection's event loop as its task executor. Without a
/// preference every resumption (after the body arrives, after the invocation answers) is queued
/// on whichever loop the global executor picks next, and the response then hops back to the
/// connection's loop: with two loops, a thread wake-up or two more per request.
struct LoopAffinityMiddleware: RouterMiddleware {
    typealias Context = GustRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        try await withTaskExecutorPreference(EventLoopTaskExecutor(context.eventLoop)) {
            try await next(request, context)
        }
    }
}

/// A `TaskExecutor` that runs jobs on one event loop (NIO has a serial executor for a loop, not a
/// task executor).
final class EventLoopTaskExecutor: TaskExecutor {
    let loop: any EventLoop

    init(_ loop: any EventLoop) {
        self.loop = loop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
