import GustCore
import GustHTTPServer
import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1

/// Hummingbird's HTTP/1.1 child channel with the listener's connection cap and deadlines
/// (`ConnectionRegistry`, `ConnectionGuard`), which Hummingbird does not have: the guard goes
/// right after NIO's request decoder, its raw-byte half first in the pipeline.
struct GuardedChannel<Inner: ServerChildChannel>: ServerChildChannel {
    typealias Value = Inner.Value
    let inner: Inner
    let registry: ConnectionRegistry

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        guard let slot = registry.admit(channel) else {
            return channel.close().flatMapThrowing { throw ChannelError.ioOnClosedChannel }
        }
        let settings = registry.settings
        return inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let guarding = ConnectionGuard<HTTPServerResponsePart>(
                settings: settings, slot: slot, refusal: Self.awsError
            ) { part in
                if case .end = part { return true }
                return false
            }
            let pipeline = channel.pipeline.syncOperations
            try pipeline.addHandler(guarding.front, position: .first)
            let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try pipeline.addHandler(guarding, position: .after(decoder))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }

    /// A limit's or timeout's answer in Lambda's error form, written by `GustError.wire` (as
    /// `ErrorMiddleware` answers the same limits once a request reached the router).
    static func awsError(_ status: HTTPResponseStatus, _ allocator: ByteBufferAllocator) -> ByteBuffer {
        let code = status == .payloadTooLarge ? GustError.Code.requestTooLarge.rawValue
            : status == .requestTimeout ? "RequestTimeoutException" : GustError.Code.invalidRequestContent.rawValue
        let (headers, body) = GustError.wire(
            code: code, message: status.reasonPhrase, status: HTTPResponse.Status(code: Int(status.code)))
        var buffer = allocator.buffer(capacity: 200 + body.count)
        HTTPResponseWriter.writeStatusLine(Int(status.code), into: &buffer)
        for field in headers { HTTPResponseWriter.writeField(field.name.rawName, field.value, into: &buffer) }
        HTTPResponseWriter.endHead(contentLength: body.count, date: nil, close: true, into: &buffer)
        buffer.writeBytes(body)
        return buffer
    }
}
