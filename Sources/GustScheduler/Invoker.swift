import GustCore
import GustRuntime

/// The one door into the scheduler for the gateway and every trigger.
public protocol Invoker: Sendable {
    func invoke(_ request: InvocationRequest) async throws(GustError) -> InvocationResponse
    /// The same, reporting through `completion` from any thread: callers on an event loop (the
    /// HTTP listener) reach a warm in-process instance without creating a task.
    func invoke(_ request: InvocationRequest, completion: @escaping @Sendable (Result<InvocationResponse, GustError>) -> Void)
}

extension Invoker {
    public func invoke(_ request: InvocationRequest, completion: @escaping @Sendable (Result<InvocationResponse, GustError>) -> Void) {
        invokeInTask(request, completion: completion)
    }

    /// The `async` invoke, in a task, reporting through `completion`. The task runs on whichever
    /// thread the executor picks; it remembers the caller's (`ThreadAffinity.caller`).
    func invokeInTask(_ request: InvocationRequest, completion: @escaping @Sendable (Result<InvocationResponse, GustError>) -> Void) {
        let caller = ThreadAffinity.caller ?? ThreadAffinity.current
        Task {
            await ThreadAffinity.$caller.withValue(caller) {
                do throws(GustError) {
                    completion(.success(try await invoke(request)))
                } catch {
                    completion(.failure(error))
                }
            }
        }
    }
}
