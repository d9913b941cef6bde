import NIOCore

/// Ends a connection after an answer the client may still be sending into (a refusal, a 400):
/// closing at once, with its unread bytes in the socket, makes the kernel send a reset, and the
/// client never reads the answer. So the output closes first, the rest of the input is read and
/// dropped (every handler ignores it once closing), and the channel closes when the client does
/// or after `linger` at the latest, as nginx's `lingering_close` does.
public enum LingeringClose {
    public static let linger: TimeAmount = .seconds(2)

    public static func close(_ channel: any Channel) {
        channel.close(mode: .output).whenComplete { result in
            guard case .success = result else {
                channel.close(promise: nil)
                return
            }
            let timer = channel.eventLoop.scheduleTask(in: linger) { channel.close(promise: nil) }
            channel.closeFuture.whenComplete { _ in timer.cancel() }
        }
    }
}
