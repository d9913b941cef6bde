// Measures invocations inside the scheduler — no HTTP gateway, no SigV4 — for the functions
// Benchmarks/bench.py deploys: cold start (first invoke after a deploy) and warm invoke latency
// with 1 and 4 concurrent callers. Prints one JSON object; bench.py puts it beside the end-to-end
// numbers and the baselines.
//
// usage: gust-bench <zip-dir>        (holds py-hello.zip and c-hello.zip)
//        gust-bench sigv4             (one SigV4 verification, µs)
//        gust-bench wasm <zip-dir>   (holds wasm-hello-N.zip and wasm-reactor-N.zip, N = 0…6: the
//                                     same module beside a different marker file, so that every
//                                     deploy is new code and its first invoke parses the module)

import Foundation
import GustControl
import GustCore
import GustProcess
import GustRuntime
import GustScheduler
import GustSigV4
import GustStoreSQLite
import GustWasm
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

if CommandLine.arguments.count > 1 && CommandLine.arguments[1] == "sigv4" {
    // Only the signature check: `gust-bench sigv4`.
    print(String(format: "%.2f", sigV4VerifyMicroseconds()))
    exit(0)
}
let wasmMode = CommandLine.arguments.count > 1 && CommandLine.arguments[1] == "wasm"
let positional = Array(CommandLine.arguments.dropFirst(wasmMode ? 2 : 1))
let zipDirectory = positional.first ?? "."
let data = NSTemporaryDirectory() + "gust-bench-\(UUID().uuidString)"
try FileManager.default.createDirectory(atPath: data + "/bootstraps", withIntermediateDirectories: true)
var logger = Logger(label: "gust-bench")
logger.logLevel = .error

let store = try SQLiteStore(path: data + "/gust.sqlite")
let code = try CodeStore(root: data + "/code")
let interpreters = Interpreters.resolve()
try Bootstraps.install(into: data + "/bootstraps", python: interpreters.python)
let bwrap = ["/usr/bin/bwrap", "/usr/local/bin/bwrap"].first { FileManager.default.isExecutableFile(atPath: $0) }
let prefixes = Sandbox.interpreterPrefixes([interpreters.python, interpreters.node].compactMap { $0 })
let sandbox = Sandbox(
    mode: bwrap.map { .bubblewrap(path: $0) } ?? .none, dataDirectory: data, bootstrapDirectory: data + "/bootstraps",
    profile: bwrap == nil
        ? nil : try Sandbox.Profile.hardened(directory: data + "/sandbox", readOnly: prefixes, logger: logger))
let runtime = ProcessRuntime(
    configuration: .init(interpreters: interpreters, sandbox: sandbox, memoryLimiter: MemoryLimiter.detect(logger: logger)),
    logger: logger)
let recorder = InvocationRecorder(log: store, logger: logger)
let recorderTask = Task { try await recorder.run() }
let scheduler = Scheduler(
    functions: store, recorder: recorder,
    runtimes: [
        .python: runtime, .node: runtime, .provided: runtime,
        .wasm: WasmRuntime(scratchRoot: data + "/scratch", logger: logger),
    ],
    codeDirectory: { code.directory(for: $0.codeID) }, settings: SchedulerSettings(), logger: logger)
let functions = FunctionService(store: store, code: code, scheduler: scheduler)

var results: [String: Any] = ["sandbox": bwrap == nil ? "none" : "bwrap", "sigv4_verify_us": sigV4VerifyMicroseconds()]
let cases: [(name: String, runtime: String, handler: String)] =
    wasmMode
    ? [("wasm-hello", "wasm", "hello.wasm"), ("wasm-reactor", "wasm", "reactor.wasm")]
    : [("py-hello", "python3.11", "app.handler"), ("c-hello", "provided.al2023", "app.handler")]
func zip(_ name: String, run: Int) throws -> [UInt8] {
    let file = wasmMode ? "\(zipDirectory)/\(name)-\(run).zip" : "\(zipDirectory)/\(name).zip"
    return Array(try Data(contentsOf: URL(fileURLWithPath: file)))
}
for (name, runtimeName, handler) in cases {
    _ = try await functions.create(CreateFunctionInput(name: name, runtime: runtimeName, handler: handler, zip: try zip(name, run: 0)))
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
        if wasmMode {
            // New code each time (run 0 is the create above): the module is parsed on this invoke.
            if run > 0 { _ = try await functions.updateCode(name, zip: try zip(name, run: run), publish: false) }
        } else {
            _ = try await functions.updateConfiguration(name, ConfigurationPatch(description: "run \(run)"))
        }
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
if wasmMode {
    // The runtime alone, under the scheduler: one reactor instance invoked in a loop.
    let directory = data + "/reactor-only"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let module = positional.count > 1 ? positional[1] : "examples/hello-wasm-reactor/reactor.wasm"
    try FileManager.default.copyItem(atPath: module, toPath: directory + "/reactor.wasm")
    // No spares: every cold start below translates on its first call.
    let runtime = WasmRuntime(scratchRoot: data + "/scratch-only", logger: logger, makesSpares: false)
    let function = FunctionConfiguration(
        name: "reactor-only", runtime: "wasm", handler: "reactor.wasm", codeSha256: "", codeID: "", codeSize: 0)
    func benchContext() -> InvocationContext {
        InvocationContext(
            requestID: UUID().uuidString, payload: Array(#"{"name":"bench"}"#.utf8), deadline: Date() + 10,
            timeoutSeconds: 10, invokedFunctionARN: "arn")
    }
    // A cold start without a spare: instance start and first call, WasmKit translating on that
    // call. Run 0 also parses.
    var unspared: [Double] = []
    for run in 0..<8 {
        let context = benchContext()
        let start = ContinuousClock.now
        let instance = try await runtime.start(InstanceSpec(instanceID: "cold-\(run)", function: function, codeDirectory: directory))
        let result = await instance.invoke(context)
        if run > 0 { unspared.append(milliseconds(ContinuousClock.now - start)) }
        guard result.outcome == .success else { throw GustError.internalError("reactor-only: \(result.outcome)") }
        await instance.stop()
    }
    let instance = try await runtime.start(InstanceSpec(instanceID: "only", function: function, codeDirectory: directory))
    var latencies: [Double] = []
    for index in 0..<3200 {
        let context = benchContext()
        let start = ContinuousClock.now
        let result = await instance.invoke(context)
        if index >= 200 { latencies.append(milliseconds(ContinuousClock.now - start)) }
        guard result.outcome == .success else { throw GustError.internalError("reactor-only: \(result.outcome)") }
    }
    await instance.stop()
    results["wasm-reactor-runtime-only"] = [
        "cold_without_spare_ms": percentile(unspared, 0.5),
        "warm_1": ["p50_ms": percentile(latencies, 0.5), "p99_ms": percentile(latencies, 0.99)],
    ]
}
await scheduler.shutdown()
// The recorder must have stopped writing before its database is deleted: exiting or deleting
// under a write in flight was a suspect for two SIGILLs seen at this tool's exit.
recorderTask.cancel()
_ = await recorderTask.result
try? FileManager.default.removeItem(atPath: data)
let json = try JSONSerialization.data(withJSONObject: results, options: [.prettyPrinted, .sortedKeys])
print(String(decoding: json, as: UTF8.self))
