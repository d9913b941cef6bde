import Foundation
import GustClient
import GustTesting
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Drives a live server through its Lambda API with the signing client.
@Suite(.serialized) struct LambdaAPIIntegrationTests {
    static let handler = """
        import os
        count = 0
        def handler(event, context):
            global count
            count += 1
            print("handling", event.get("name"))
            if event.get("fail"):
                raise ValueError("asked to fail")
            return {"hello": event.get("name"), "pid": os.getpid(), "count": count, "fn": context.function_name}
        """

    func create(_ client: GustClient, _ name: String, timeout: Int = 3) async throws {
        let zip = try LiveServer.zip(["app.py": Self.handler])
        _ = try await client.createFunction([
            "FunctionName": name, "Runtime": "python3.12", "Handler": "app.handler", "Timeout": timeout,
            "Code": ["ZipFile": Data(zip).base64EncodedString()],
        ])
    }

    @Test func createInvokeReuseAndErrors() async throws {
        let server = try await LiveServer.start()
        defer { Task { await server.stop() } }
        let client = server.client
        try await create(client, "itest")

        let first = try await client.invoke("itest", payload: Array(#"{"name":"a"}"#.utf8), async: false)
        let firstJSON = try #require(first.json)
        #expect(firstJSON["hello"] as? String == "a")
        #expect(firstJSON["fn"] as? String == "itest")
        #expect(first.header("X-Amz-Executed-Version") == "$LATEST")
        let logs = String(decoding: Data(base64Encoded: first.header("X-Amz-Log-Result") ?? "") ?? Data(), as: UTF8.self)
        #expect(logs.contains("handling a"))
        #expect(logs.contains("REPORT RequestId:"))
        #expect(logs.contains("Init Duration:"))

        // The warm instance serves the second call.
        let second = try #require(try await client.invoke("itest", payload: Array(#"{"name":"b"}"#.utf8), async: false).json)
        #expect(second["pid"] as? Int == firstJSON["pid"] as? Int)
        #expect(second["count"] as? Int == 2)

        let failed = try await client.invoke("itest", payload: Array(#"{"fail":true}"#.utf8), async: false)
        #expect(failed.header("X-Amz-Function-Error") == "Unhandled")
        #expect(failed.json?["errorType"] as? String == "ValueError")

        // The function keeps working after its error.
        let third = try #require(try await client.invoke("itest", payload: Array(#"{"name":"c"}"#.utf8), async: false).json)
        #expect(third["hello"] as? String == "c")
    }

    @Test func errorsUseLambdasShapes() async throws {
        let server = try await LiveServer.start()
        defer { Task { await server.stop() } }
        let client = server.client
        do {
            _ = try await client.invoke("missing", payload: [], async: false)
            Issue.record("expected 404")
        } catch let error as GustClientError {
            #expect(error.status == 404)
            #expect(error.code == "ResourceNotFoundException")
        }
        do {
            _ = try await client.createFunction([
                "FunctionName": "bad name", "Runtime": "python3.12", "Handler": "a.b", "Code": ["ZipFile": "AAAA"],
            ])
            Issue.record("expected 400")
        } catch let error as GustClientError {
            #expect(error.status == 400)
            #expect(error.code == "InvalidParameterValueException")
        }
        let wrongKey = GustClient(endpoint: client.endpoint, accessKey: LiveServer.accessKey, secretKey: "wrong")
        do {
            _ = try await wrongKey.listFunctions()
            Issue.record("expected 403")
        } catch let error as GustClientError {
            #expect(error.status == 403)
            #expect(error.code == "InvalidSignatureException")
        }
        let unsigned = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(server.port)/2015-03-31/functions/")!)
        #expect((unsigned.1 as? HTTPURLResponse)?.statusCode == 403)
        // Still serving after the bad requests.
        #expect(try await client.listFunctions().isEmpty)
    }

    @Test func timeoutKillsTheInstanceAndTheNextCallWorks() async throws {
        let server = try await LiveServer.start()
        defer { Task { await server.stop() } }
        let client = server.client
        let zip = try LiveServer.zip([
            "app.py": "import time\ndef handler(event, context):\n    time.sleep(event.get('sleep', 0))\n    return 'done'\n"
        ])
        _ = try await client.createFunction([
            "FunctionName": "sleepy", "Runtime": "python3.12", "Handler": "app.handler", "Timeout": 1,
            "Code": ["ZipFile": Data(zip).base64EncodedString()],
        ])
        let slow = try await client.invoke("sleepy", payload: Array(#"{"sleep":5}"#.utf8), async: false)
        #expect(slow.header("X-Amz-Function-Error") == "Unhandled")
        #expect((slow.json?["errorMessage"] as? String)?.contains("Task timed out after 1.00 seconds") == true)
        let fast = try await client.invoke("sleepy", payload: Array("{}".utf8), async: false)
        #expect(String(decoding: fast.body, as: UTF8.self) == "\"done\"")
    }
}
