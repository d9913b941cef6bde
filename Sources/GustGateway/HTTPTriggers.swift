import Foundation
import GustCore
import GustHTTP
import GustScheduler
import GustStore
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// The request context of the HTTP listener: the client's address, for `sourceIp`.
public struct HTTPTriggerContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteIP: String

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteIP = source.channel.remoteAddress?.ipAddress ?? ""
    }
}

/// User traffic on the HTTP listener: a request that matches a route becomes an API Gateway HTTP
/// API (payload 2.0) event for the route's function, and the function's answer becomes the HTTP
/// response, with API Gateway's statuses for what goes wrong. Routes live in the store; this
/// node keeps them as a `RouteTable` and rebuilds it whenever they change.
public final class HTTPTriggers: Sendable {
    /// API Gateway's payload limit.
    public static let maxBodyBytes = 6 * 1024 * 1024

    let store: any RouteStore
    let invoker: any Invoker
    private let table: Mutex<RouteTable>

    public init(store: any RouteStore, invoker: any Invoker) {
        self.store = store
        self.invoker = invoker
        table = Mutex(RouteTable.empty)
    }

    /// Reads the routes from the store (at start, and after any change).
    public func reload() async throws(GustError) {
        let table = try RouteTable(try await store.routes())
        self.table.withLock { $0 = table }
    }

    /// Replaces a function's routes; a conflict with another route leaves everything as it was.
    public func setRoutes(of function: String, _ routes: [HTTPRoute]) async throws(GustError) {
        for route in routes {
            guard route.functionName == function else { throw .invalid("A route of \(function) names function \(route.functionName)") }
            try route.validate()
        }
        try await store.replaceRoutes(of: function, with: routes) { all throws(GustError) in _ = try RouteTable(all) }
        try await reload()
    }

    public func routes(of function: String? = nil) -> [HTTPRoute] {
        let all = table.withLock { $0.routes }
        return function.map { name in all.filter { $0.functionName == name } } ?? all
    }

    public var responder: CallbackResponder<HTTPTriggerContext> {
        CallbackResponder { [self] request, context in await handle(request, context) }
    }

    func handle(_ request: Request, _ context: HTTPTriggerContext) async -> Response {
        var request = request
        let method = request.method.rawValue
        let path = request.uri.path
        guard let match = table.withLock({ $0.match(method: method, path: path) }) else {
            return Self.response(.message(404, "Not Found"))
        }
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: Self.maxBodyBytes)
        } catch {
            return Self.response(.message(413, "Request Entity Too Large"))
        }
        var headers = request.headers.map { (name: $0.name.rawName, value: $0.value) }
        if let authority = request.head.authority { headers.append((name: "host", value: authority)) }
        let requestID = RequestID.make()
        let trigger = HTTPTriggerRequest(
            method: method, rawPath: path, rawQuery: request.uri.query ?? "", headers: headers,
            body: Array(buffer: body), sourceIP: context.remoteIP, requestID: requestID)
        let invocation = InvocationRequest(
            requestID: requestID, functionName: match.route.functionName, qualifier: match.route.qualifier,
            payload: APIGatewayEvent.make(trigger, match: match), mode: .sync, source: "http")
        var result: HTTPTriggerResponse
        do {
            let response = try await invoker.invoke(invocation)
            result = Self.map(response)
        } catch {
            result = Self.map(error)
        }
        result.headers.append(.init(name: "apigw-requestid", value: requestID))
        return Self.response(result)
    }

    /// API Gateway's answers: the function's response when it succeeded, 504 when it timed out,
    /// 429 when throttled, 502 for any other failure.
    static func map(_ response: InvocationResponse) -> HTTPTriggerResponse {
        switch response.outcome {
        case .success: APIGatewayResponse.map(response.payload)
        case .timeout: .message(504, "Endpoint request timed out")
        case .throttled: .message(429, "Too Many Requests")
        default: .message(502, "Internal Server Error")
        }
    }

    static func map(_ error: any Error) -> HTTPTriggerResponse {
        switch (error as? GustError)?.code {
        case .tooManyRequests: .message(429, "Too Many Requests", headers: [("retry-after", "1")])
        case .resourceNotFound: .message(404, "Not Found")
        default: .message(500, "Internal Server Error")
        }
    }

    static func response(_ response: HTTPTriggerResponse) -> Response {
        var fields = HTTPFields()
        for header in response.headers {
            if let name = HTTPField.Name(header.name) { fields.append(HTTPField(name: name, value: header.value)) }
        }
        return Response(
            status: .init(code: response.status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: response.body)))
    }
}

extension RouteTable {
    static let empty: RouteTable = try! RouteTable([])
}
