// The Runtime API listener's request parsing: bytes from a function's process through the
// listener's pipeline as `RuntimeAPIListener` builds it (`ConnectionGuard`, NIO's decoder with
// the listener's limits, `InOrderRequests`, `RuntimeAPIRoute`); every request is answered at once.
import GustHTTPServer
import NIOCore
import NIOEmbedded
import NIOHTTP1

@testable import GustProcess

final class Router: InOrderResponder {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    var requests = InOrderRequests(maxBodyBytes: 4096)

    func start(_ item: InOrderRequests.Item, context: ChannelHandlerContext) {
        var close = true
        if case .request(let head, _) = item {
            _ = RuntimeAPIRoute(method: head.method, uri: head.uri)
            close = !head.isKeepAlive
        }
        requests.answered(close: close)
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: "HTTP/1.1 202 Accepted\r\n\r\n")), promise: nil)
        if close { context.close(promise: nil) } else { pump(context) }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let channel = EmbeddedChannel()
    let settings = RuntimeAPIListener.settings
    let guarding = ConnectionGuard<ByteBuffer>(settings: settings, slot: nil) { _ in true }
    try! channel.pipeline.syncOperations.addHandler(guarding.front)
    try! channel.pipeline.syncOperations.addHandler(settings.makeDecoder())
    try! channel.pipeline.syncOperations.addHandler(guarding)
    try! channel.pipeline.syncOperations.addHandler(Router())
    var buffer = channel.allocator.buffer(capacity: size)
    buffer.writeBytes(UnsafeBufferPointer(start: data, count: size))
    _ = try? channel.writeInbound(buffer)
    _ = try? channel.finish(acceptAlreadyClosed: true)
    return 0
}
