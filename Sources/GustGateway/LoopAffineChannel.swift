import GustHTTPServer
import GustScheduler
import GustSigV4
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

extension Gateway {
    /// Hummingbird's HTTP/1.1 server, with each connection's handling pinned to the connection's
    /// event loop (see `LoopAffineChannel`) and synchronous invokes answered ahead of the router
    /// (`InvokeFastPath`).
    /// - Parameters:
    ///   - deps: the same ones the router gets, so both paths invoke and verify alike.
    ///   - serverName: the `Server` header, as given to Hummingbird's configuration.
    ///   - settings: the listener's limits (`GuardedChannel`).
    public static func httpServer(
        _ deps: Dependencies, serverName: String, settings: ListenerSettings = apiListenerSettings, logger: Logger
    ) -> HTTPServerBuilder {
        let registry = ConnectionRegistry(settings: settings)
        let limits = settings.decoderLimits
        return HTTPServerBuilder { responder in
            LoopAffineChannel(
                inner: GuardedChannel(
                    inner: HTTP1Channel(
                        responder: responder,
                        configuration: .init(
                            additionalChannelHandlers: [
                                InvokeFastPath(invoker: deps.invoker, verifier: deps.verifier, serverName: serverName, logger: logger)
                            ],
                            httpDecoderConfiguration: .init(
                                maxHeaderFieldSize: limits.maxHeaderFieldSize, maxHeaderListSize: limits.maxHeaderListSize,
                                maxHeaderFieldCount: limits.maxHeaderFieldCount))),
                    registry: registry))
        }
    }

    /// The API port keeps fewer descriptors in reserve than the HTTP port, so a flood there
    /// leaves the API its share. Its bodies go up to S3's single-PUT limit (5 GiB, streamed to
    /// disk); each service refuses more than its own limit (`maxRequestBytes` for function code,
    /// checked by the middleware before it reads a byte).
    public static let apiListenerSettings = ListenerSettings(maxConnections: 1024, fdReserve: 32, maxBodyBytes: 5 * 1024 * 1024 * 1024)
}

/// Runs a connection's whole handling task with the connection's event loop as its task
/// executor. Hummingbird starts that task on the global executor (here NIO's loops, round
/// robin), so without a preference reading the request, every resumption in the handler and
/// writing the response each hop between the two loops: thread wake-ups that were most of the
/// API port's latency for one client.
struct LoopAffineChannel<Inner: ServerChildChannel>: ServerChildChannel {
    typealias Value = Inner.Value
    let inner: Inner

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        inner.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await withTaskExecutorPreference(EventLoopTaskExecutor(value.channel.eventLoop)) {
            await inner.handle(value: value, logger: logger)
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
