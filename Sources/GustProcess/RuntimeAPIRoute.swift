import NIOHTTP1

/// Which Runtime API call a request is, from its method and URI: the listener's hand-written
/// parser, apart from the handler so it is fuzzed on its own (Fuzz/Targets/runtime-api.swift).
enum RuntimeAPIRoute: Equatable {
    case next
    case initError
    case response(requestID: String)
    case error(requestID: String)
    case unknown

    static let prefix = "/2018-06-01/runtime/"

    /// Parsed on UTF-8 bytes: Character-wise splitting of the URI cost more than the rest of an
    /// exchange's handling.
    init(method: HTTPMethod, uri: String) {
        let uri = uri.utf8
        let end = uri.firstIndex(of: UInt8(ascii: "?")) ?? uri.endIndex
        guard uri[..<end].starts(with: Self.prefix.utf8) else {
            self = .unknown
            return
        }
        let route = uri[uri.index(uri.startIndex, offsetBy: Self.prefix.utf8.count)..<end]
        if method == .GET, route.elementsEqual("invocation/next".utf8) {
            self = .next
        } else if method == .POST, route.elementsEqual("init/error".utf8) {
            self = .initError
        } else if method == .POST, route.starts(with: "invocation/".utf8) {
            // invocation/{id}/response or invocation/{id}/error
            let rest = route.dropFirst("invocation/".utf8.count)
            let slash = rest.firstIndex(of: UInt8(ascii: "/")) ?? rest.endIndex
            let kind = rest[slash...].dropFirst()
            let requestID = String(decoding: rest[..<slash], as: UTF8.self)
            if slash == rest.startIndex {
                self = .unknown
            } else if kind.elementsEqual("error".utf8) {
                self = .error(requestID: requestID)
            } else if kind.elementsEqual("response".utf8) {
                self = .response(requestID: requestID)
            } else {
                self = .unknown
            }
        } else {
            self = .unknown
        }
    }
}
