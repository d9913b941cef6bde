// Measures invocations inside the scheduler — no HTTP gateway, no SigV4 — for the functions
// Benchmarks/bench.py deploys: cold start (first invoke after a deploy) and warm invoke latency
// with 1 and 4 concurrent callers. Prints one JSON object; bench.py puts it beside the end-to-end
// numbers and the baselines.
//
// usage: gust-bench <zip-dir>   (holds py-hello.zip and c-hello.zip)

import Foundation
import GustControl
import GustCore
import GustProcess
import GustScheduler
import GustSigV4
import GustStoreSQLite
import Logging
import NIOCore
import NIOPosix

NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
}

func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}

/// The cost of verifying one Lambda Invoke's signature (the gateway does it for every request).
func sigV4VerifyMicroseconds() -> Double {
    let signer = SigV4Signer(accessKey: "AK", secretKey: "secret", region: "us-east-1", service: "lambda")
    let verifier = SigV4Verifier(credentials: { $0 == "AK" ? "secret" : nil })
    let url = URL(string: "http://127.0.0.1:9000/2015-03-31/functions/py-hello/invocations")!
    let body = Array(#"{"name":"bench"}"#.utf8)
    var headers = signer.sign(method: "POST", url: url, headers: ["Content-Type": "application/json"], body: body)
        .map { (name: $0.key, value: $0.value) }
    headers += [(name: "Host", value: "127.0.0.1:9000"), (name: "Content-Type", value: "application/json"),
                (name: "User-Agent", value: "bench"), (name: "Content-Length", value: "16")]
    let request = SigV4Request(method: "POST", rawPath: url.path, headers: headers, body: body)
    let count = 20000
    let start = ContinuousClock.now
    for _ in 0..<count {
        guard case .success = verifier.verify(request) else { fatalError("signature did not verify") }
    }
    return milliseconds(ContinuousClock.now - start) * 1000 / Double(count)
}

let zipDirectory = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "."
let data = NSTemporaryDirectory() + "gust-bench-\(UUID().uuidString)"
try FileManager.default.createDirectory(atPath: data + "/bootstraps", withIntermediateDirectories: true)
var logger = Logger(label: "gust-bench")
logger.logLevel = .error

let store = try SQLiteStore(path: data + "/gust.sqlite")
let code = try CodeStore(root: data + "/code")
let interpreters = Interpreters.resolve()
try Bootstraps.install(into: data + "/bootstraps", python: interpreters.python)
let bwrap = ["/usr/bin/bwrap", "/usr/local/bin/bwrap"].first { FileManager.default.isExecutableFile(atPath: $0) }
let sandbox = Sandbox(
    mode: bwrap.map { .bubblewrap(path: $0) } ?? .none, dataDirectory: data, bootstrapDirectory: data + "/bootstraps",
    interpreters: [interpreters.python, interpreters.node].compactMap { $0 })
let runtime = ProcessRuntime(
    configuration: .init(interpreters: interpreters, sandbox: sandbox, memoryLimiter: MemoryLimiter.detect(logger: logger)),
    logger: logger)
let recorder = InvocationRecorder(log: store, logger: logger)
let recorderTask = Task { try await recorder.run() }
let scheduler = Scheduler(
    functions: store, recorder: recorder, runtimes: [.python: runtime, .node: runtime, .provided: runtime],
    codeDirectory: { code.directory(for: $0.codeID) }, settings: SchedulerSettings(), logger: logger)
let functions = FunctionService(store: store, code: code, scheduler: scheduler)

var results: [String: Any] = ["sandbox": bwrap == nil ? "none" : "bwrap", "sigv4_verify_us": sigV4VerifyMicroseconds()]
for (name, runtimeName) in [("py-hello", "python3.11"), ("c-hello", "provided.al2023")] {
    let zip = Array(try Data(contentsOf: URL(fileURLWithPath: "\(zipDirectory)/\(name).zip")))
    _ = try await functions.create(CreateFunctionInput(name: name, runtime: runtimeName, handler: "app.handler", zip: zip))
    try await functions.setReservedConcurrency(name, 4)
    let payload = Array(#"{"name":"bench"}"#.utf8)

    func invoke() async throws -> Double {
        let start = ContinuousClock.now
        let response = try await scheduler.invoke(InvocationRequest(functionName: name, payload: payload))
        guard response.outcome == .success else { throw GustError.internalError("\(name): \(response.outcome)") }
        return milliseconds(ContinuousClock.now - start)
    }

    var cold: [Double] = []
    for run in 0..<7 {
        _ = try await functions.updateConfiguration(name, ConfigurationPatch(description: "run \(run)"))
        cold.append(try await invoke())
    }
    for _ in 0..<200 { _ = try await invoke() }  // warm up
    var single: [Double] = []
    for _ in 0..<3000 { single.append(try await invoke()) }
    let started = ContinuousClock.now
    let concurrent = try await withThrowingTaskGroup(of: [Double].self) { group in
        for _ in 0..<4 {
            group.addTask {
                var latencies: [Double] = []
                for _ in 0..<1500 { latencies.append(try await invoke()) }
                return latencies
            }
        }
        var all: [Double] = []
        for try await latencies in group { all += latencies }
        return all
    }
    let seconds = milliseconds(ContinuousClock.now - started) / 1000
    results[name] = [
        "cold_after_deploy_ms": percentile(cold, 0.5),
        "warm_1": ["p50_ms": percentile(single, 0.5), "p99_ms": percentile(single, 0.99)],
        "warm_4": [
            "p50_ms": percentile(concurrent, 0.5), "p99_ms": percentile(concurrent, 0.99),
            "rps": Double(concurrent.count) / seconds,
        ],
    ]
}
await scheduler.shutdown()
recorderTask.cancel()
try? FileManager.default.removeItem(atPath: data)
let json = try JSONSerialization.data(withJSONObject: results, options: [.prettyPrinted, .sortedKeys])
print(String(decoding: json, as: UTF8.self))
