import GustCore

/// The one door into the scheduler for the gateway and every trigger.
public protocol Invoker: Sendable {
    func invoke(_ request: InvocationRequest) async throws(GustError) -> InvocationResponse
}
