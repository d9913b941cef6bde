// The route table parses route paths (`/items/{id}`, `{proxy+}`) and matches request paths
// against them. Input lines: route paths (methods cycle through a fixed list), then the last line
// is the request path.
import GustCore
import GustHTTP

let methods = ["GET", "POST", "ANY", "DELETE"]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    guard lines.count >= 2, lines.count <= 64 else { return 0 }
    let request = lines.removeLast()
    let routes = lines.enumerated().map { i, path in
        HTTPRoute(functionName: "f\(i)", method: methods[i % methods.count], path: path)
    }
    guard let table = try? RouteTable(routes) else { return 0 }
    for method in ["GET", "POST", "PUT"] {
        if let match = table.match(method: method, path: request) {
            _ = match.pathParameters.count
        }
    }
    _ = RouteTable.percentDecoded(request)
    return 0
}
