import Testing

@testable import GustCore

@Suite("A function's own key and the environment it goes into")
struct FunctionCredentialsTests {
    @Test("keys look like AWS temporary credentials and are never the same twice")
    func format() {
        let one = FunctionCredentials.generate(for: "f")
        let two = FunctionCredentials.generate(for: "f")
        #expect(one.accessKeyId.hasPrefix("ASIA"))
        #expect(one.accessKeyId.count == 20)
        #expect(one.accessKeyId.dropFirst(4).allSatisfy { FunctionCredentials.base32.contains($0) })
        #expect(one.secretAccessKey.count == 40)
        #expect(one.sessionToken.count == 64)
        #expect(one.accessKeyId != two.accessKeyId)
        #expect(one.secretAccessKey != two.secretAccessKey)
        #expect(one.sessionToken != two.sessionToken)
        #expect(one.principal == "function:f")
    }

    @Test("the key wins over the function's variables; the function's own endpoint wins over Gust's")
    func applied() {
        let key = FunctionCredentials(functionName: "f", accessKeyId: "ASIAX", secretAccessKey: "s", sessionToken: "t")
        let services = ServiceEnvironment(endpoint: "http://127.0.0.1:9000", credentials: key)
        let env = services.applied(to: ["AWS_ACCESS_KEY_ID": "mine", "A": "1"])
        #expect(env == [
            "A": "1", "AWS_ACCESS_KEY_ID": "ASIAX", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "t",
            "AWS_ENDPOINT_URL": "http://127.0.0.1:9000",
        ])
        #expect(services.applied(to: ["AWS_ENDPOINT_URL": "https://elsewhere"])["AWS_ENDPOINT_URL"] == "https://elsewhere")
        #expect(services.applied(to: [:], endpoint: "http://127.0.0.1:4000")["AWS_ENDPOINT_URL"] == "http://127.0.0.1:4000")
        #expect(ServiceEnvironment.none.applied(to: ["A": "1"]) == ["A": "1"])
    }

    @Test("a wildcard address is reached on loopback; IPv6 literals are bracketed")
    func endpointURL() {
        #expect(ServiceEnvironment.endpointURL(host: "0.0.0.0", port: 9000) == "http://127.0.0.1:9000")
        #expect(ServiceEnvironment.endpointURL(host: "::", port: 9000) == "http://127.0.0.1:9000")
        #expect(ServiceEnvironment.endpointURL(host: "127.0.0.1", port: 1) == "http://127.0.0.1:1")
        #expect(ServiceEnvironment.endpointURL(host: "::1", port: 9000) == "http://[::1]:9000")
        #expect(ServiceEnvironment.endpointURL(host: "gust.local", port: 9000) == "http://gust.local:9000")
    }
}
