import NIOHTTP1
import Testing

@testable import GustProcess

@Suite struct RuntimeAPIRouteTests {
    @Test func routes() {
        let p = "/2018-06-01/runtime/"
        #expect(RuntimeAPIRoute(method: .GET, uri: p + "invocation/next") == .next)
        #expect(RuntimeAPIRoute(method: .GET, uri: p + "invocation/next?x=1") == .next)
        #expect(RuntimeAPIRoute(method: .POST, uri: p + "init/error") == .initError)
        #expect(RuntimeAPIRoute(method: .POST, uri: p + "invocation/abc/response") == .response(requestID: "abc"))
        #expect(RuntimeAPIRoute(method: .POST, uri: p + "invocation/abc/error") == .error(requestID: "abc"))
    }

    @Test(arguments: [
        "/2018-06-01/runtime/invocation//response", "/2018-06-01/runtime/invocation/abc/other", "/2018-06-01/runtime/",
        "/2018-06-01/runtime/invocation/abc", "/other", "", "/2018-06-01/runtime/invocation/next",
    ])
    func unknownRoutes(_ uri: String) {
        #expect(RuntimeAPIRoute(method: .POST, uri: uri) == .unknown)
    }
}
