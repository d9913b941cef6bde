import Foundation
import Hummingbird
import Logging
import GustCore
import HTTPTypes
import NIOCore

/// The Lambda Runtime API (`/2018-06-01/runtime/…`) for one instance, on its own loopback port so
/// that unmodified runtime clients (awslambdaric, custom bootstraps) find it through
/// `AWS_LAMBDA_RUNTIME_API` alone.
final class RuntimeAPIServer: Sendable {
    /// Lambda's limit for a synchronous response.
    static let maxResponseBytes = 6 * 1024 * 1024

    private let instance: ProcessInstance
    private let logger: Logger
    private let task = TaskHolder()

    init(instance: ProcessInstance, logger: Logger) {
        self.instance = instance
        var quiet = logger
        // Cancellation on instance stop makes Hummingbird log errors that are expected here.
        quiet.logLevel = .critical
        self.logger = quiet
    }

    /// Starts listening; returns the bound port.
    func start() async throws -> Int {
        let router = Router()
        let instance = self.instance
        router.get("/2018-06-01/runtime/invocation/next") { _, _ -> Response in
            guard let event = await instance.next() else {
                return Self.error(status: .gone, type: "InstanceStopped", message: "The instance is stopping")
            }
            var headers: HTTPFields = [
                .contentType: "application/json",
                HTTPField.Name("Lambda-Runtime-Aws-Request-Id")!: event.requestID,
                HTTPField.Name("Lambda-Runtime-Deadline-Ms")!: String(event.deadlineMs),
                HTTPField.Name("Lambda-Runtime-Invoked-Function-Arn")!: event.functionARN,
                HTTPField.Name("Lambda-Runtime-Trace-Id")!: "Root=1-\(String(event.deadlineMs / 1000, radix: 16))-\(event.requestID.replacingOccurrences(of: "-", with: "").prefix(24));Sampled=0",
            ]
            if let clientContext = event.clientContext {
                headers[HTTPField.Name("Lambda-Runtime-Client-Context")!] = clientContext
            }
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: event.payload)))
        }
        router.post("/2018-06-01/runtime/invocation/:id/response") { request, context -> Response in
            try await Self.result(request, context, instance: instance, isError: false)
        }
        router.post("/2018-06-01/runtime/invocation/:id/error") { request, context -> Response in
            try await Self.result(request, context, instance: instance, isError: true)
        }
        router.post("/2018-06-01/runtime/init/error") { request, _ -> Response in
            let body = try await request.body.collect(upTo: Self.maxResponseBytes)
            let type = request.headers[HTTPField.Name("Lambda-Runtime-Function-Error-Type")!]
            await instance.initFailed(payload: Array(buffer: body), errorType: type)
            return Self.accepted()
        }

        let (portStream, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: nil),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: logger)
        task.set(
            Task {
                do { try await app.run() } catch { portContinuation.finish() }
            })
        for await port in portStream where port > 0 { return port }
        throw RuntimeAPIServerError()
    }

    func stop() async {
        guard let running = task.take() else { return }
        running.cancel()
        _ = await running.value
    }

    private static func result(
        _ request: Request, _ context: some RequestContext, instance: ProcessInstance, isError: Bool
    ) async throws -> Response {
        guard let id = context.parameters.get("id") else {
            return error(status: .badRequest, type: "InvalidRequestID", message: "Missing request id")
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maxResponseBytes)
        } catch {
            let message = "Response payload size exceeded maximum allowed payload size (\(maxResponseBytes) bytes)."
            let document = FunctionErrorDocument.make(type: "Function.ResponseSizeTooLarge", message: message)
            _ = await instance.complete(requestID: id, payload: document, errorType: "Function.ResponseSizeTooLarge", isError: true)
            return Self.error(status: .contentTooLarge, type: "RequestEntityTooLarge", message: message)
        }
        let type = request.headers[HTTPField.Name("Lambda-Runtime-Function-Error-Type")!]
        guard await instance.complete(requestID: id, payload: Array(buffer: body), errorType: type, isError: isError) else {
            return error(status: .badRequest, type: "InvalidRequestID", message: "Invalid request ID")
        }
        return accepted()
    }

    private static func accepted() -> Response {
        Response(
            status: .accepted, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: #"{"status":"OK"}"#)))
    }

    private static func error(status: HTTPResponse.Status, type: String, message: String) -> Response {
        let body = FunctionErrorDocument.make(type: type, message: message)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

struct RuntimeAPIServerError: Error, CustomStringConvertible {
    var description: String { "the Runtime API listener did not start" }
}
