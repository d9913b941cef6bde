// The API Gateway mapping: a request (whatever the client sent) into an event, and a function's
// output (whatever the function printed) back into an HTTP response. Input: the first byte
// picks the direction; for events, NUL-separated fields: method, path, query, header lines, body.
import Foundation
import GustCore
import GustHTTP

let route = HTTPRoute(functionName: "f", method: "ANY", path: "/items/{id}")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let first = bytes.first else { return 0 }
    let rest = Array(bytes.dropFirst())
    if first & 1 == 0 {
        let response = APIGatewayResponse.map(rest)
        precondition((100...599).contains(response.status), "status \(response.status)")
        return 0
    }
    let fields = rest.split(separator: 0, maxSplits: 4, omittingEmptySubsequences: false).map {
        String(decoding: $0, as: UTF8.self)
    }
    func field(_ i: Int) -> String { i < fields.count ? fields[i] : "" }
    let headers = field(3).split(separator: "\n").map { line -> (name: String, value: String) in
        let parts = line.split(separator: ":", maxSplits: 1)
        return (String(parts.first ?? ""), parts.count > 1 ? String(parts[1]) : "")
    }
    let request = HTTPTriggerIncoming(
        method: field(0), path: field(1), query: field(2), headers: headers,
        body: first & 2 == 0 ? Array(field(4).utf8) : nil, remoteIP: "127.0.0.1")
    let match = RouteTable.Match(route: route, pathParameters: ["id": field(1)])
    let event = APIGatewayEvent.make(
        request, rawPath: request.path, requestID: "id", time: Date(timeIntervalSince1970: 0), match: match,
        authorizer: first & 4 == 0 ? nil : ["claims": ["sub": field(2)]])
    // The event must always be JSON a function can parse.
    precondition(JSONValidator.isValid(event), "event is not JSON")
    return 0
}
