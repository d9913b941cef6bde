import Foundation
import GustCore
import Testing

@testable import GustHTTP

@Suite struct RouteTableTests {
    func route(_ method: String, _ path: String, _ function: String = "f") -> HTTPRoute {
        HTTPRoute(functionName: function, method: method, path: path)
    }

    @Test func mostSpecificRouteWins() throws {
        let table = try RouteTable([
            route("ANY", "/{proxy+}", "catchall"),
            route("GET", "/items/{id}", "item"),
            route("GET", "/items/new", "new"),
            route("ANY", "/items/{id}", "anyItem"),
            route("GET", "/", "root"),
            route("GET", "/files/{path+}", "files"),
        ])
        #expect(table.match(method: "GET", path: "/items/new")?.route.functionName == "new")
        let item = table.match(method: "GET", path: "/items/42")
        #expect(item?.route.functionName == "item")
        #expect(item?.pathParameters == ["id": "42"])
        #expect(table.match(method: "DELETE", path: "/items/42")?.route.functionName == "anyItem")
        #expect(table.match(method: "GET", path: "/")?.route.functionName == "root")
        #expect(table.match(method: "GET", path: "/files/a/b%20c.txt")?.pathParameters == ["path": "a/b c.txt"])
        let other = table.match(method: "POST", path: "/other/thing")
        #expect(other?.route.functionName == "catchall")
        #expect(other?.pathParameters == ["proxy": "other/thing"])
    }

    @Test func unknownPathsAndMethodsDoNotMatch() throws {
        let table = try RouteTable([route("GET", "/items/{id}"), route("POST", "/items")])
        #expect(table.match(method: "GET", path: "/items") == nil)
        #expect(table.match(method: "GET", path: "/items/1/extra") == nil)
        #expect(table.match(method: "PUT", path: "/items/1") == nil)
        #expect(table.match(method: "GET", path: "/items/") == nil)
        #expect(table.match(method: "POST", path: "/items/") != nil)  // a trailing slash is ignored
    }

    @Test func conflictsAreRejected() {
        #expect(throws: GustError.self) {
            try RouteTable([self.route("GET", "/items/{id}", "a"), self.route("GET", "/items/{name}", "b")])
        }
        // A named method and ANY on the same path are not a conflict; the named one wins.
        #expect(throws: Never.self) {
            try RouteTable([self.route("GET", "/items/{id}"), self.route("ANY", "/items/{id}")])
        }
    }

    @Test func invalidRoutesAreRejected() {
        for (method, path) in [("GET", "items"), ("FETCH", "/x"), ("GET", "/{a+}/b"), ("GET", "/a{b}"), ("GET", "/{a}/{a}"), ("GET", "/a//b")] {
            #expect(throws: GustError.self, "\(method) \(path)") { try self.route(method, path).validate() }
        }
        var credentialsForAnyone = route("GET", "/x")
        credentialsForAnyone.cors = RouteCORS(allowOrigins: ["*"], allowCredentials: true)
        #expect(throws: GustError.self) { try credentialsForAnyone.validate() }
        var weakSecret = route("GET", "/x")
        weakSecret.auth = RouteAuth(kind: .jwt, secret: "short")
        #expect(throws: GustError.self) { try weakSecret.validate() }
        var badKey = route("GET", "/x")
        badKey.auth = RouteAuth(kind: .jwt, publicKey: "not a key")
        #expect(throws: GustError.self) { try RouteTable([badKey]) }
        var zeroRate = route("GET", "/x")
        zeroRate.throttle = RouteThrottle(rate: 1e-300, burst: 1)
        #expect(throws: GustError.self) { try zeroRate.validate() }
    }
}

@Suite struct APIGatewayEventTests {
    @Test func payloadFormat2() throws {
        let table = try RouteTable([HTTPRoute(functionName: "f", method: "POST", path: "/items/{id}")])
        let match = try #require(table.match(method: "POST", path: "/items/7"))
        let request = HTTPTriggerIncoming(
            method: "POST", path: "/items/7", query: "a=1&b=x%20y&a=2",
            headers: [
                ("Host", "api.example.com"), ("User-Agent", "curl/8"), ("Content-Type", "application/json"),
                ("Cookie", "s=1; t=2"), ("X-Multi", "a"), ("x-multi", "b"),
            ],
            body: Array(#"{"name":"Ada"}"#.utf8), remoteIP: "10.0.0.1")
        let bytes = APIGatewayEvent.make(
            request, rawPath: request.path, requestID: "req-1", time: Date(timeIntervalSince1970: 1_583_348_638.390), match: match)
        let event = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(event["version"] as? String == "2.0")
        #expect(event["routeKey"] as? String == "POST /items/{id}")
        #expect(event["rawPath"] as? String == "/items/7")
        #expect(event["rawQueryString"] as? String == "a=1&b=x%20y&a=2")
        #expect(event["cookies"] as? [String] == ["s=1", "t=2"])
        let headers = try #require(event["headers"] as? [String: String])
        #expect(headers["x-multi"] == "a,b")
        #expect(headers["content-type"] == "application/json")
        #expect(headers["cookie"] == nil)
        #expect(event["queryStringParameters"] as? [String: String] == ["a": "1,2", "b": "x y"])
        #expect(event["pathParameters"] as? [String: String] == ["id": "7"])
        #expect(event["body"] as? String == #"{"name":"Ada"}"#)
        #expect(event["isBase64Encoded"] as? Bool == false)
        let context = try #require(event["requestContext"] as? [String: Any])
        #expect(context["requestId"] as? String == "req-1")
        #expect(context["time"] as? String == "04/Mar/2020:19:03:58 +0000")
        #expect((context["timeEpoch"] as? NSNumber)?.int64Value == 1_583_348_638_390)
        let http = try #require(context["http"] as? [String: String])
        #expect(http == ["method": "POST", "path": "/items/7", "protocol": "HTTP/1.1", "sourceIp": "10.0.0.1", "userAgent": "curl/8"])
    }

    @Test func binaryBodiesAreBase64() throws {
        let table = try RouteTable([HTTPRoute(functionName: "f", method: "PUT", path: "/blob")])
        let match = try #require(table.match(method: "PUT", path: "/blob"))
        let request = HTTPTriggerIncoming(
            method: "PUT", path: "/blob", query: "", headers: [("content-type", "application/octet-stream")],
            body: [0, 255, 1], remoteIP: "::1")
        let bytes = APIGatewayEvent.make(request, rawPath: request.path, requestID: "r", match: match)
        let event = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(event["body"] as? String == "AP8B")
        #expect(event["isBase64Encoded"] as? Bool == true)
        #expect(event["queryStringParameters"] == nil)
        #expect(event["pathParameters"] == nil)
    }
}

@Suite struct APIGatewayResponseTests {
    @Test func structuredResponse() {
        let payload = #"{"statusCode":201,"headers":{"X-Id":"7","Content-Type":"text/plain"},"cookies":["a=1","b=2; Path=/"],"body":"made"}"#
        let response = APIGatewayResponse.map(Array(payload.utf8))
        #expect(response.status == 201)
        #expect(response.body == Array("made".utf8))
        #expect(response.headers.contains(.init(name: "x-id", value: "7")))
        #expect(response.headers.contains(.init(name: "content-type", value: "text/plain")))
        #expect(response.headers.filter { $0.name == "set-cookie" }.map(\.value) == ["a=1", "b=2; Path=/"])
    }

    @Test func bareValuesAre200JSON() {
        for payload in [#"{"message":"hi"}"#, #"[1,2]"#, #""text""#, "42"] {
            let response = APIGatewayResponse.map(Array(payload.utf8))
            #expect(response.status == 200)
            #expect(response.body == Array(payload.utf8))
            #expect(response.headers == [.init(name: "content-type", value: "application/json")])
        }
    }

    @Test func base64AndInvalidResponses() {
        let binary = APIGatewayResponse.map(Array(#"{"statusCode":200,"body":"AP8B","isBase64Encoded":true}"#.utf8))
        #expect(binary.body == [0, 255, 1])
        #expect(APIGatewayResponse.map(Array("not json".utf8)).status == 502)
        #expect(APIGatewayResponse.map(Array(#"{"statusCode":"abc"}"#.utf8)).status == 502)
    }
}
