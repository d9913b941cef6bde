import GustControl
import GustCore
import GustEvents
import GustScheduler
import GustSigV4
import GustStore
import Hummingbird

/// Builds the router for the AWS-compatible port: errors in AWS form, the other AWS services by
/// credential scope (`ServiceRoutes`), SigV4 on everything but the health check, then the Lambda
/// API and Gust's own API.
public struct Gateway: Sendable {
    public struct Dependencies: Sendable {
        public var functions: FunctionService
        public var invoker: any Invoker
        public var asyncQueue: any AsyncEventQueue
        public var asyncEnqueued: @Sendable () -> Void
        public var log: any InvocationLog
        public var recorder: InvocationRecorder
        public var verifier: SigV4Verifier
        public var triggers: HTTPTriggers
        /// The AWS services on this port besides Lambda, picked by credential scope.
        public var services: ServiceRoutes
        /// Event source mappings and async invoke configs, when the server has event sources.
        public var mappings: EventSourceMappings?
        public var eventInvokeConfigs: EventInvokeConfigs?

        public init(
            functions: FunctionService, invoker: any Invoker, asyncQueue: any AsyncEventQueue,
            asyncEnqueued: @escaping @Sendable () -> Void, log: any InvocationLog, recorder: InvocationRecorder,
            verifier: SigV4Verifier, triggers: HTTPTriggers, services: ServiceRoutes = ServiceRoutes([]),
            mappings: EventSourceMappings? = nil, eventInvokeConfigs: EventInvokeConfigs? = nil
        ) {
            self.mappings = mappings
            self.eventInvokeConfigs = eventInvokeConfigs
            self.services = services
            self.triggers = triggers
            self.functions = functions
            self.invoker = invoker
            self.asyncQueue = asyncQueue
            self.asyncEnqueued = asyncEnqueued
            self.log = log
            self.recorder = recorder
            self.verifier = verifier
        }
    }

    public static let maxRequestBytes = 80 * 1024 * 1024
    /// Bodies up to this size are read before the signature is checked (a small one costs less
    /// to read than to check twice); a larger one's key and time are checked first.
    static let preflightThreshold = 64 * 1024

    public static func router(_ deps: Dependencies) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: ErrorMiddleware())
        if !deps.services.isEmpty {
            router.add(middleware: ServiceDispatchMiddleware(routes: deps.services, verifier: deps.verifier))
        }
        router.add(
            middleware: SigV4Middleware(verifier: deps.verifier, maxBodyBytes: maxRequestBytes, publicPaths: ["/gust/v1/health"]))
        let triggers = deps.triggers
        LambdaAPI(
            functions: deps.functions, invoker: deps.invoker, asyncQueue: deps.asyncQueue,
            asyncEnqueued: deps.asyncEnqueued, functionDeleted: { try? await triggers.reload() }
        ).register(on: router)
        FunctionURLAPI(triggers: triggers).register(on: router)
        if let mappings = deps.mappings { EventSourceMappingAPI(mappings: mappings).register(on: router) }
        if let configs = deps.eventInvokeConfigs { EventInvokeConfigAPI(configs: configs).register(on: router) }
        GustAPI(log: deps.log, recorder: deps.recorder, functions: deps.functions.store, triggers: triggers)
            .register(on: router)
        return router
    }
}
