import GustCore

/// HTTP trigger routes (see `HTTPRoute`).
public protocol RouteStore: Sendable {
    /// Every function's routes.
    func routes() async throws(GustError) -> [HTTPRoute]
    /// Replaces one function's routes in one transaction. `validate` sees every route as it
    /// would be after the change and may throw (a conflict) to leave the store unchanged.
    func replaceRoutes(
        of functionName: String, with routes: [HTTPRoute],
        validate: @escaping @Sendable ([HTTPRoute]) throws(GustError) -> Void
    ) async throws(GustError)
}
