import Foundation
import GustCore
import GustRuntime
import Logging
import Testing
import WAT

@testable import GustWasm

/// Tiny guests written inline in WAT: each test states exactly what the guest does.
enum Guests {
    static let wasi = """
        (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
        """

    /// Copies stdin to stdout (up to 4 KiB), and writes a line to stderr.
    static let echoBody = """
        (i32.store (i32.const 0) (i32.const 1024))
        (i32.store (i32.const 4) (i32.const 4096))
        (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
        (i32.store (i32.const 4) (i32.load (i32.const 8)))
        (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
        (i32.store (i32.const 16) (i32.const 512))
        (i32.store (i32.const 20) (i32.const 9))
        (drop (call $fd_write (i32.const 2) (i32.const 16) (i32.const 1) (i32.const 8)))
        """

    static let echo = """
        (module \(wasi)
          (memory (export "memory") 1)
          (data (i32.const 512) "log line\\0a")
          (func (export "_start") \(echoBody)))
        """

    /// A command with a global counter: every invocation must see it at zero.
    static let counterCommand = """
        (module \(wasi)
          (memory (export "memory") 1)
          (global $n (mut i32) (i32.const 0))
          (func (export "_start")
            (global.set $n (i32.add (global.get $n) (i32.const 1)))
            (i32.store8 (i32.const 100) (i32.add (i32.const 48) (global.get $n)))
            (i32.store (i32.const 0) (i32.const 100))
            (i32.store (i32.const 4) (i32.const 1))
            (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
        """

    /// A reactor: `_initialize` sets the counter to 5, each call adds one and prints it.
    static let counterReactor = counterReactor(initialize: "(global.set $n (i32.const 5))")

    /// A reactor whose `_initialize` runs `initialize`; each call adds one to the counter `$n`
    /// and prints it (one digit).
    static func counterReactor(initialize: String) -> String {
        """
        (module \(wasi)
          (memory (export "memory") 1)
          (global $n (mut i32) (i32.const 0))
          (func (export "_initialize") \(initialize))
          (func (export "gust_handle") (param $len i32) (result i32)
            (global.set $n (i32.add (global.get $n) (i32.const 1)))
            (i32.store8 (i32.const 100) (i32.add (i32.const 48) (global.get $n)))
            (i32.store (i32.const 0) (i32.const 100))
            (i32.store (i32.const 4) (i32.const 1))
            (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
            (i32.const 0)))
        """
    }

    /// A reactor that echoes the event and reports its length through its status when asked to.
    static let echoReactor = """
        (module \(wasi)
          (memory (export "memory") 1)
          (data (i32.const 512) "log line\\0a")
          (func (export "gust_handle") (param $len i32) (result i32)
            \(echoBody)
            (i32.const 0)))
        """

    static func command(_ body: String, memory: String = "1", extra: String = "") -> String {
        """
        (module \(wasi)
          (memory (export "memory") \(memory))
          \(extra)
          (func (export "_start") \(body)))
        """
    }

    static let spin = command("(loop $l (br $l))")
    static let unreachable = command("(unreachable)")
    static let exit3 = command("(call $proc_exit (i32.const 3))")
    static let recurse = command("(call $r)", extra: "(func $r (call $r))")
    static let growForever = command(
        "(loop $l (br_if $l (i32.ne (memory.grow (i32.const 16)) (i32.const -1)))) (unreachable)")
    /// Writes with an iovec far outside linear memory: WASI must refuse, not crash the host.
    static let outOfBoundsWrite = command(
        """
        (i32.store (i32.const 0) (i32.const 0x7ffffff0))
        (i32.store (i32.const 4) (i32.const 4096))
        (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
        (drop (call $fd_write (i32.const 1) (i32.const 0xfffffff0) (i32.const 1) (i32.const 8)))
        """)
    /// Writes 8 MiB of stdout, more than a response may hold.
    static let hugeOutput = command(
        """
        (local $i i32)
        (i32.store (i32.const 0) (i32.const 0))
        (i32.store (i32.const 4) (i32.const 65536))
        (loop $l
          (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get $i) (i32.const 128))))
        """)
    /// Prints `gust.request_id` to stdout.
    static let requestID = """
        (module \(wasi)
          (import "gust" "request_id" (func $rid (param i32 i32) (result i32)))
          (import "gust" "deadline_ms" (func $deadline (result i64)))
          (memory (export "memory") 1)
          (func (export "_start")
            (i32.store (i32.const 4) (call $rid (i32.const 100) (i32.const 64)))
            (i32.store (i32.const 0) (i32.const 100))
            (drop (call $deadline))
            (drop (call $rid (i32.const 0xfffffff0) (i32.const 64)))
            (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
        """
}

struct WasmHarness {
    let runtime: WasmRuntime
    let directory: String

    init() {
        directory = NSTemporaryDirectory() + "gust-wasm-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        runtime = WasmRuntime(scratchRoot: directory + "/scratch", logger: Logger(label: "test"))
    }

    func start(
        _ wat: String, memoryMB: Int = 128, environment: [String: String] = [:], services: ServiceEnvironment = .none
    ) async throws -> any GustRuntime.FunctionInstance {
        let name = "m\(UUID().uuidString.prefix(8)).wasm"
        let bytes = try wat2wasm(wat)
        FileManager.default.createFile(atPath: "\(directory)/\(name)", contents: Data(bytes))
        let function = FunctionConfiguration(
            name: "f", runtime: "wasm", handler: name, memoryMB: memoryMB, timeoutSeconds: 1, environment: environment,
            codeSha256: "", codeID: "c", codeSize: 0)
        return try await runtime.start(
            InstanceSpec(instanceID: UUID().uuidString, function: function, codeDirectory: directory, services: services))
    }

    static func context(_ payload: String = "{}", seconds: Int = 1) -> InvocationContext {
        InvocationContext(
            requestID: UUID().uuidString, payload: Array(payload.utf8), deadline: Date().addingTimeInterval(Double(seconds)),
            timeoutSeconds: seconds, invokedFunctionARN: "arn:aws:lambda:local:000000000000:function:f")
    }
}

extension InstanceResult {
    var text: String { String(decoding: payload, as: UTF8.self) }
}

@Suite struct WasmRuntimeTests {
    let harness = WasmHarness()

    @Test func commandEchoesStdinAndLogsStderr() async throws {
        let instance = try await harness.start(Guests.echo)
        let first = await instance.invoke(WasmHarness.context(#"{"a":1}"#))
        #expect(first.outcome == .success)
        #expect(first.text == #"{"a":1}"#)
        #expect(first.logLines == ["log line"])
        #expect(first.initDurationMs != nil)
        let second = await instance.invoke(WasmHarness.context("[2]"))
        #expect(second.text == "[2]")
        #expect(second.initDurationMs == nil)
        await instance.stop()
    }

    @Test func commandStateDoesNotLeakButReactorStateDoes() async throws {
        let command = try await harness.start(Guests.counterCommand)
        #expect(await command.invoke(WasmHarness.context()).text == "1")
        #expect(await command.invoke(WasmHarness.context()).text == "1")
        let reactor = try await harness.start(Guests.counterReactor)
        #expect(await reactor.invoke(WasmHarness.context()).text == "6")
        #expect(await reactor.invoke(WasmHarness.context()).text == "7")
        await command.stop()
        await reactor.stop()
    }

    @Test func reactorGetsEachEventAndItsLogs() async throws {
        let reactor = try await harness.start(Guests.echoReactor)
        for payload in ["first", #"{"second":true}"#, ""] {
            let result = await reactor.invoke(WasmHarness.context(payload))
            #expect(result.outcome == .success)
            #expect(result.text == payload)
            #expect(result.logLines == ["log line"])
        }
        await reactor.stop()
    }

    @Test func infiniteLoopTimesOut() async throws {
        let instance = try await harness.start(Guests.spin)
        let result = await instance.invoke(WasmHarness.context())
        #expect(result.outcome == .timeout)
        #expect(result.errorType == "Sandbox.Timedout")
        #expect(result.text.contains("Task timed out after 1.00 seconds"))
        await instance.stop()
    }

    @Test func stoppingAnInstanceEndsItsRunningCall() async throws {
        let instance = try await harness.start(Guests.spin)
        let call = Task { await instance.invoke(WasmHarness.context(seconds: 60)) }
        try await Task.sleep(for: .milliseconds(200))
        await instance.stop()
        let result = await call.value
        #expect(result.outcome == .interrupted)
        #expect(result.errorType == "Runtime.Interrupted")
    }

    @Test func memoryGrowthStopsAtTheFunctionsMemorySize() async throws {
        let instance = try await harness.start(Guests.growForever, memoryMB: 16)
        let result = await instance.invoke(WasmHarness.context())
        #expect(result.outcome == .outOfMemory)
        #expect(result.errorType == "Runtime.OutOfMemory")
        #expect((result.maxMemoryUsedMB ?? 0) <= 16)
        await instance.stop()
    }

    @Test func initialMemoryAboveTheLimitIsOutOfMemory() async throws {
        let instance = try await harness.start(Guests.command("(nop)", memory: "1024"), memoryMB: 16)
        let result = await instance.invoke(WasmHarness.context())
        #expect(result.outcome == .outOfMemory)
    }

    @Test func trapsAreReportedWithTheirReason() async throws {
        let unreachable = try await harness.start(Guests.unreachable)
        let trap = await unreachable.invoke(WasmHarness.context())
        #expect(trap.outcome == .crashed)
        #expect(trap.errorType == "Runtime.WasmTrap")
        #expect(trap.text.contains("unreachable"))
        let recursion = try await harness.start(Guests.recurse)
        let deep = await recursion.invoke(WasmHarness.context())
        #expect(deep.errorType == "Runtime.WasmTrap")
        #expect(deep.text.contains("call stack exhausted"))
    }

    @Test func nonZeroExitIsAFunctionError() async throws {
        let instance = try await harness.start(Guests.exit3)
        let result = await instance.invoke(WasmHarness.context())
        #expect(result.outcome == .functionError)
        #expect(result.errorType == "Runtime.ExitError")
        #expect(result.text.contains("exit status 3"))
    }

    @Test func outOfBoundsPointersDoNotReachTheHost() async throws {
        let instance = try await harness.start(Guests.outOfBoundsWrite)
        let result = await instance.invoke(WasmHarness.context())
        #expect(result.errorType == "Runtime.WasmTrap")
        #expect(result.text.contains("out of bounds"))
        let context = try await harness.start(Guests.requestID)
        let traced = await context.invoke(WasmHarness.context())
        #expect(traced.errorType == "Runtime.WasmTrap")
    }

    @Test func addressArithmeticNearFourGiBTrapsInsteadOfCrashing() async throws {
        for body in [
            "(drop (call $fd_write (i32.const 1) (i32.const 0xfffffffc) (i32.const 1) (i32.const 8)))",
            "(drop (call $fd_write (i32.const 1) (i32.const 0xfffffff8) (i32.const 2) (i32.const 8)))",
            "(drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 0x20000000) (i32.const 8)))",
            "(drop (call $fd_read (i32.const 0) (i32.const 16) (i32.const 1) (i32.const 0xfffffffe)))",
        ] {
            let instance = try await harness.start(Guests.command(body))
            let result = await instance.invoke(WasmHarness.context())
            #expect(result.errorType == "Runtime.WasmTrap", "\(body)")
        }
    }

    @Test func startFunctionsRunUnderTheDeadline() async throws {
        let instance = try await harness.start(
            #"(module (memory (export "memory") 1) (func $spin (loop $l (br $l))) (start $spin) (func (export "_start")))"#)
        let result = await instance.invoke(WasmHarness.context())
        #expect(result.outcome == .timeout)
    }

    @Test func initializeOutputIsNotPartOfTheResponse() async throws {
        let instance = try await harness.start(
            """
            (module \(Guests.wasi)
              (memory (export "memory") 1)
              (data (i32.const 512) "noise")
              (func (export "_initialize")
                (i32.store (i32.const 0) (i32.const 512))
                (i32.store (i32.const 4) (i32.const 5))
                (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
              (func (export "gust_handle") (param i32) (result i32) \(Guests.echoBody) (i32.const 0)))
            """)
        let result = await instance.invoke(WasmHarness.context("[1]"))
        #expect(result.text == "[1]")
    }

    @Test func tablesAreCapped() async throws {
        let tables = (0..<40).map { _ in "(table 100000 funcref)" }.joined(separator: " ")
        let instance = try await harness.start(Guests.command("(nop)", extra: tables))
        let result = await instance.invoke(WasmHarness.context())
        #expect(result.outcome != .success)
        // A command re-instantiates every call: its own table must not count twice.
        let one = try await harness.start(Guests.command("(nop)", extra: "(table 600000 funcref)"))
        #expect(await one.invoke(WasmHarness.context()).outcome == .success)
        #expect(await one.invoke(WasmHarness.context()).outcome == .success)
    }

    @Test func responsesAreCapped() async throws {
        let instance = try await harness.start(Guests.hugeOutput)
        let result = await instance.invoke(WasmHarness.context())
        #expect(result.outcome == .functionError)
        #expect(result.errorType == "Function.ResponseSizeTooLarge")
    }

    /// Deploying parses the module, so the first invocation does not; a broken module is still
    /// reported by the invocation, as without `prepare`.
    @Test func deployParsesTheModule() async throws {
        let name = "prepared.wasm"
        FileManager.default.createFile(atPath: "\(harness.directory)/\(name)", contents: Data(try wat2wasm(Guests.echo)))
        let function = FunctionConfiguration(
            name: "f", runtime: "wasm", handler: name, timeoutSeconds: 1, codeSha256: "", codeID: "c", codeSize: 0)
        await harness.runtime.prepare(function, codeDirectory: harness.directory)
        let (_, parseMs) = try harness.runtime.cache.program(at: "\(harness.directory)/\(name)")
        #expect(parseMs == nil)
        let instance = try await harness.runtime.start(
            InstanceSpec(instanceID: "p", function: function, codeDirectory: harness.directory))
        #expect(await instance.invoke(WasmHarness.context(#"{"p":1}"#)).text == #"{"p":1}"#)

        FileManager.default.createFile(atPath: "\(harness.directory)/bad.wasm", contents: Data("not wasm".utf8))
        var broken = function
        broken.handler = "bad.wasm"
        await harness.runtime.prepare(broken, codeDirectory: harness.directory)
        let instanceOfBroken = try await harness.runtime.start(
            InstanceSpec(instanceID: "q", function: broken, codeDirectory: harness.directory))
        #expect(await instanceOfBroken.invoke(WasmHarness.context()).errorType == "Runtime.InvalidWasmModule")
    }

    /// Deploys `wat` as a prepared version: the module parsed, a reactor's spare made.
    func deploy(_ wat: String, name: String) async throws -> FunctionConfiguration {
        FileManager.default.createFile(atPath: "\(harness.directory)/\(name)", contents: Data(try wat2wasm(wat)))
        let function = FunctionConfiguration(
            name: name, runtime: "wasm", handler: name, timeoutSeconds: 1, codeSha256: "", codeID: "c", codeSize: 0)
        await harness.runtime.prepare(function, codeDirectory: harness.directory)
        return function
    }

    func start(_ function: FunctionConfiguration) async throws -> any GustRuntime.FunctionInstance {
        try await harness.runtime.start(
            InstanceSpec(instanceID: UUID().uuidString, function: function, codeDirectory: harness.directory))
    }

    @Test func deployMakesAReactorsSpareWhichRunsNoGuestCodeBeforeItsFirstInvocation() async throws {
        // `_initialize` adds 5: had it run when the spare was made as well, the first call would say ";"
        // (48 + 11), not 6.
        let reactor = Guests.counterReactor(initialize: "(global.set $n (i32.add (global.get $n) (i32.const 5)))")
        let function = try await deploy(reactor, name: "spare.wasm")
        #expect(harness.runtime.spares.readyCount == 1)
        let first = try await start(function)
        #expect(harness.runtime.spares.readyCount == 0)  // taken
        #expect(await first.invoke(WasmHarness.context()).text == "6")
        #expect(await first.invoke(WasmHarness.context()).text == "7")

        // Taking the spare made the next one, for the next cold start; its state is its own.
        let deadline = Date() + 5
        while harness.runtime.spares.readyCount == 0, Date() < deadline { try await Task.sleep(for: .milliseconds(5)) }
        #expect(harness.runtime.spares.readyCount == 1)
        let second = try await start(function)
        #expect(await second.invoke(WasmHarness.context()).text == "6")
        await first.stop()
        await second.stop()
    }

    @Test func modulesWithAStartFunctionAndCommandsGetNoSpare() async throws {
        _ = try await deploy(
            #"(module (memory (export "memory") 1) (func $s) (start $s) (func (export "gust_handle") (param i32) (result i32) (i32.const 0)))"#,
            name: "started.wasm")
        _ = try await deploy(Guests.echo, name: "command.wasm")
        #expect(harness.runtime.spares.readyCount == 0)
        _ = try await deploy(Guests.echoReactor, name: "plain.wasm")
        #expect(harness.runtime.spares.readyCount == 1)
        await harness.runtime.shutdown()
        #expect(harness.runtime.spares.readyCount == 0)
    }

    @Test func aNewConfigurationReplacesTheVersionsSpare() async throws {
        var function = try await deploy(Guests.echoReactor, name: "configured.wasm")
        function.environment = ["A": "1"]
        await harness.runtime.prepare(function, codeDirectory: harness.directory)
        #expect(harness.runtime.spares.readyCount == 1)
        let instance = try await start(function)
        #expect(harness.runtime.spares.readyCount == 0)  // the new settings' spare was the one
        #expect(await instance.invoke(WasmHarness.context("[2]")).text == "[2]")
        await instance.stop()
    }

    @Test func aLateRefillForOlderSettingsDoesNotDisplaceTheNewSpare() async throws {
        let old = try await deploy(Guests.echoReactor, name: "redeployed.wasm")
        var new = old
        new.environment = ["A": "2"]
        await harness.runtime.prepare(new, codeDirectory: harness.directory)
        // An instance of the old settings finishing its first call now asks for their spare.
        let path = "\(harness.directory)/redeployed.wasm"
        let (program, _) = try harness.runtime.cache.program(at: path)
        await harness.runtime.spares.make(harness.runtime.spareKey(old, path: path), program: program, replacing: false)
        #expect(harness.runtime.spares.readyCount == 1)
        #expect(harness.runtime.spares.take(harness.runtime.spareKey(old, path: path)) == nil)
        #expect(harness.runtime.spares.take(harness.runtime.spareKey(new, path: path)) != nil)
    }

    @Test func deletingAFunctionDropsItsSpares() async throws {
        _ = try await deploy(Guests.echoReactor, name: "deleted.wasm")
        #expect(harness.runtime.spares.readyCount == 1)
        await harness.runtime.functionDeleted("deleted.wasm")
        #expect(harness.runtime.spares.readyCount == 0)
    }

    @Test func aVersionWithoutASpareGetsOneAfterItsFirstColdStart() async throws {
        // Not deployed through `prepare` (a published version, or one from before a restart).
        FileManager.default.createFile(
            atPath: "\(harness.directory)/unprepared.wasm", contents: Data(try wat2wasm(Guests.echoReactor)))
        let function = FunctionConfiguration(
            name: "unprepared", version: "1", runtime: "wasm", handler: "unprepared.wasm", timeoutSeconds: 1,
            codeSha256: "", codeID: "c", codeSize: 0)
        let first = try await start(function)
        #expect(harness.runtime.spares.readyCount == 0)
        #expect(await first.invoke(WasmHarness.context("[5]")).text == "[5]")
        let deadline = Date() + 5
        while harness.runtime.spares.readyCount == 0, Date() < deadline { try await Task.sleep(for: .milliseconds(5)) }
        #expect(harness.runtime.spares.readyCount == 1)
        await first.stop()
    }

    @Test func brokenModulesAreInitErrors() async throws {
        let name = "broken.wasm"
        FileManager.default.createFile(atPath: "\(harness.directory)/\(name)", contents: Data("not wasm".utf8))
        let function = FunctionConfiguration(
            name: "f", runtime: "wasm", handler: name, codeSha256: "", codeID: "c", codeSize: 0)
        let instance = try await harness.runtime.start(
            InstanceSpec(instanceID: "b", function: function, codeDirectory: harness.directory))
        let result = await instance.invoke(WasmHarness.context())
        #expect(result.outcome == .initError)
        #expect(result.errorType == "Runtime.InvalidWasmModule")
        let missingImport = try await harness.start(
            #"(module (import "env" "nope" (func)) (memory (export "memory") 1) (func (export "_start")))"#)
        #expect(await missingImport.invoke(WasmHarness.context()).outcome == .initError)
    }

    /// Writes its whole environ buffer to stdout: environ_sizes_get, then environ_get.
    static let environDump = """
        (module
          (import "wasi_snapshot_preview1" "environ_sizes_get" (func $sizes (param i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "environ_get" (func $get (param i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (func (export "_start")
            (drop (call $sizes (i32.const 0) (i32.const 4)))
            (drop (call $get (i32.const 1024) (i32.const 4096)))
            (i32.store (i32.const 16) (i32.const 4096))
            (i32.store (i32.const 20) (i32.load (i32.const 4)))
            (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 8)))))
        """

    @Test func environmentCarriesTheFunctionsKeyAndEndpoint() async throws {
        let key = FunctionCredentials.generate(for: "f")
        let instance = try await harness.start(
            Self.environDump, environment: ["AWS_ACCESS_KEY_ID": "overridden"],
            services: ServiceEnvironment(endpoint: "http://127.0.0.1:9000", credentials: key))
        let result = await instance.invoke(WasmHarness.context())
        let variables = Set(result.text.split(separator: "\0").map(String.init))
        #expect(variables.contains("AWS_ENDPOINT_URL=http://127.0.0.1:9000"))
        #expect(variables.contains("AWS_ACCESS_KEY_ID=\(key.accessKeyId)"))
        #expect(variables.contains("AWS_SECRET_ACCESS_KEY=\(key.secretAccessKey)"))
        #expect(variables.contains("AWS_SESSION_TOKEN=\(key.sessionToken)"))
        #expect(!variables.contains("AWS_ACCESS_KEY_ID=overridden"))
    }

    @Test func environmentCarriesTheContext() async throws {
        // environ_sizes_get then environ_get, then stdout gets the whole environ buffer.
        let instance = try await harness.start(
            """
            (module
              (import "wasi_snapshot_preview1" "environ_sizes_get" (func $sizes (param i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "environ_get" (func $get (param i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
              (memory (export "memory") 1)
              (func (export "_start")
                (drop (call $sizes (i32.const 0) (i32.const 4)))
                (drop (call $get (i32.const 1024) (i32.const 4096)))
                (i32.store (i32.const 16) (i32.const 4096))
                (i32.store (i32.const 20) (i32.load (i32.const 4)))
                (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 8)))))
            """, environment: ["GREETING": "hi"])
        let context = WasmHarness.context()
        let result = await instance.invoke(context)
        let variables = Set(result.text.split(separator: "\0").map(String.init))
        #expect(variables.contains("GREETING=hi"))
        #expect(variables.contains("AWS_LAMBDA_FUNCTION_NAME=f"))
        #expect(variables.contains("AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128"))
        #expect(variables.contains("GUST_REQUEST_ID=\(context.requestID)"))
        #expect(variables.contains { $0.hasPrefix("GUST_DEADLINE_MS=") })
    }
}
