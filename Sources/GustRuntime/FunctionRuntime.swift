import Foundation
import GustCore

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
    func prepare(_ function: FunctionConfiguration, codeDirectory: String) async
}

extension FunctionRuntime {
    public func shutdown() async {}
    public func prepare(_ function: FunctionConfiguration, codeDirectory: String) async {}
}

/// One running copy of a function version.
public protocol FunctionInstance: Sendable {
    var id: String { get }
    /// Runs one invocation to its end. Never throws: every failure of the function is an outcome.
    func invoke(_ invocation: InvocationContext) async -> InstanceResult
    /// The same, reporting through `completion` (from any thread) instead of a task: in-process
    /// runtimes answer a warm call without the task switches an `async` call costs.
    func invoke(_ invocation: InvocationContext, completion: @escaping @Sendable (InstanceResult) -> Void)
    /// Stops the instance and releases everything it holds; idempotent.
    func stop() async
    /// The thread the instance talks to its function on (`ThreadAffinity`), when it has one.
    var thread: UInt? { get }
}

extension FunctionInstance {
    public var thread: UInt? { nil }

    public func invoke(_ invocation: InvocationContext, completion: @escaping @Sendable (InstanceResult) -> Void) {
        Task { completion(await invoke(invocation)) }
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

    public init(instanceID: String, function: FunctionConfiguration, codeDirectory: String, thread: UInt? = nil) {
        self.instanceID = instanceID
        self.function = function
        self.codeDirectory = codeDirectory
        self.thread = thread
    }
}

/// Threads as numbers, for keeping a caller and the instance that serves it on one thread. A
/// request arrives on an event loop and its answer is written there; a process instance's Runtime
/// API connection lives on a loop too. When the two differ, every invocation crosses threads
/// twice, and on a small machine each crossing is a wake-up that cost more than Gust's own work
/// (about 40 µs each way, measured on two cores).
public enum ThreadAffinity {
    /// The calling thread.
    public static var current: UInt {
        #if canImport(Darwin)
            UInt(bitPattern: pthread_self())
        #else
            UInt(pthread_self())
        #endif
    }

    /// The thread of the request a task works for, when the task runs elsewhere.
    @TaskLocal public static var caller: UInt?
}
