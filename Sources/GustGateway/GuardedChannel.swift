import GustHTTPServer
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

    /// A limit's or timeout's answer in the AWS JSON error form (as `ErrorMiddleware` writes it).
    static func awsError(_ status: HTTPResponseStatus, _ allocator: ByteBufferAllocator) -> ByteBuffer {
        let type =
            switch status {
            case .payloadTooLarge: "RequestEntityTooLargeException"
            case .requestTimeout: "RequestTimeoutException"
            default: "InvalidRequestException"
            }
        let body = #"{"Type":"User","__type":"\#(type)","message":"\#(status.reasonPhrase)"}"#
        var buffer = allocator.buffer(capacity: 200 + body.utf8.count)
        HTTPResponseWriter.writeStatusLine(Int(status.code), into: &buffer)
        HTTPResponseWriter.writeField("Content-Type", "application/json", into: &buffer)
        HTTPResponseWriter.writeField("x-amzn-ErrorType", type, into: &buffer)
        HTTPResponseWriter.endHead(contentLength: body.utf8.count, date: nil, close: true, into: &buffer)
        buffer.writeString(body)
        return buffer
    }
}
