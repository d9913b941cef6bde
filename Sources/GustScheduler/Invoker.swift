import GustCore

/// The one door into the scheduler for the gateway and every trigger.
public protocol Invoker: Sendable {
    func invoke(_ request: InvocationRequest) async throws(GustError) -> InvocationResponse
    /// The same, reporting through `completion` from any thread: callers on an event loop (the
    /// HTTP listener) reach a warm in-process instance without creating a task.
    func invoke(_ request: InvocationRequest, completion: @escaping @Sendable (Result<InvocationResponse, GustError>) -> Void)
}
