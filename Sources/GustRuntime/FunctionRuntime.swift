import GustCore
import NIOCore
import NIOPosix

/// A way of running function code: process runtimes, Wasm. A runtime knows nothing of triggers or
/// scheduling; it starts instances and each instance runs one invocation at a time.
public protocol FunctionRuntime: Sendable {
    /// Starts an instance. Returning does not mean the code is initialised: init failures surface
    /// from the first `invoke`, which also reports the init duration (the cold start).
    func start(_ spec: InstanceSpec) async throws(GustError) -> any FunctionInstance
    /// Releases what the runtime keeps between instances (server shutdown).
    func shutdown() async
    /// Work every instance of this code needs that can be done once, when the code is deployed
    /// (the wasm runtime parses the module), so that the first invocation does not pay for it.
    /// Best effort: whatever fails here fails again, and is reported, at the first invocation.
    /// `services` is what its instances will get (`InstanceSpec.services`).
    func prepare(_ function: FunctionConfiguration, codeDirectory: String, services: ServiceEnvironment) async
    /// Forgets what the runtime keeps for a deleted function.
    func functionDeleted(_ name: String) async
}

extension FunctionRuntime {
    public func shutdown() async {}
    public func prepare(_ function: FunctionConfiguration, codeDirectory: String, services: ServiceEnvironment) async {}

    public func prepare(_ function: FunctionConfiguration, codeDirectory: String) async {
        await prepare(function, codeDirectory: codeDirectory, services: .none)
    }
    public func functionDeleted(_ name: String) async {}
}

/// One running copy of a function version.
public protocol FunctionInstance: Sendable {
    var id: String { get }
    /// Runs one invocation to its end and reports it through `completion`, from any thread.
    /// Never fails: every failure of the function is an outcome. A callback rather than `async`,
    /// so that a warm call needs no task and no executor switch (both runtimes answer on the
    /// thread that finished the call: the guest's lane, or the Runtime API's event loop).
    func invoke(_ invocation: InvocationContext, completion: @escaping @Sendable (InstanceResult) -> Void)
    /// Stops the instance and releases everything it holds; idempotent.
    func stop() async
    /// The thread the instance talks to its function on (`ThreadAffinity`), when it has one.
    var thread: UInt? { get }
}

extension FunctionInstance {
    public var thread: UInt? { nil }

    /// The same as an `async` call.
    public func invoke(_ invocation: InvocationContext) async -> InstanceResult {
        await withCheckedContinuation { continuation in
            invoke(invocation) { continuation.resume(returning: $0) }
        }
    }
}

/// What an instance needs to start.
public struct InstanceSpec: Sendable {
    public var instanceID: String
    public var function: FunctionConfiguration
    /// The unpacked code, read-only.
    public var codeDirectory: String
    /// The thread of the request that starts the instance: a runtime that talks to its function
    /// on an event loop uses this thread's loop when it has one (`ThreadAffinity`).
    public var thread: UInt?
    /// How the instance calls Gust's AWS services as its function: endpoint and key, which the
    /// runtime adds to the function's environment.
    public var services: ServiceEnvironment

    public init(
        instanceID: String, function: FunctionConfiguration, codeDirectory: String, thread: UInt? = nil,
        services: ServiceEnvironment = .none
    ) {
        self.instanceID = instanceID
        self.function = function
        self.codeDirectory = codeDirectory
        self.thread = thread
        self.services = services
    }
}

/// Event loops (each one thread) as numbers, for keeping a caller and the instance that serves
/// it on one thread. A request arrives on an event loop and its answer is written there; a
/// process instance's Runtime API connection lives on a loop too. When the two differ, every
/// invocation crosses threads twice, and on a small machine each crossing is a wake-up that cost
/// more than Gust's own work (about 40 µs each way, measured on two cores).
public enum ThreadAffinity {
    /// The event loop the caller runs on; nil off NIO's loops (a task on another executor, a
    /// queue worker), where there is nothing to be near.
    public static var current: UInt? {
        MultiThreadedEventLoopGroup.currentEventLoop.map(id(of:))
    }

    public static func id(of loop: any EventLoop) -> UInt {
        UInt(bitPattern: ObjectIdentifier(loop))
    }

    /// The loop of `group` numbered `id`, else the group's next.
    public static func loop(_ id: UInt?, in group: any EventLoopGroup) -> any EventLoop {
        if let id, let loop = group.makeIterator().first(where: { Self.id(of: $0) == id }) { return loop }
        return group.next()
    }
}
