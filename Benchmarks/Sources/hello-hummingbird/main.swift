// The baseline server for the wasm throughput benchmark: Hummingbird answering a small JSON hello
// on every request, as Gust's wasm hello does, on the same machine and in the same run.
//
// usage: hello-hummingbird <port>
import Hummingbird

let port = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 8080 : 8080
let router = Router()
let hello = #"{"message":"Hello from a warm reactor","invocations":1}"#
router.get("/") { _, _ in hello }
router.post("/") { _, _ in hello }
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
