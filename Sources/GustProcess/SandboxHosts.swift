import Foundation

/// The `/etc/hosts` sandboxed instances see: the host's, plus `gust.internal` and
/// `BUCKET.gust.internal` for every bucket, all at the loopback address where an instance reaches
/// Gust's endpoint (directly, or through its namespace's relay). So `AWS_ENDPOINT_URL` can name a
/// host, and botocore's virtual-host addressing (`BUCKET.gust.internal`) works beside path style,
/// which a bare IP address would force. The file is rewritten in place when buckets change: the
/// instances' bind mounts keep pointing at it, and glibc reads it on every lookup.
public final class SandboxHosts: Sendable {
    public static let endpointName = "gust.internal"
    public let path: String
    private let base: String

    public init(path: String, hostFile: String = "/etc/hosts") {
        self.path = path
        base = (try? String(contentsOfFile: hostFile, encoding: .utf8)) ?? "127.0.0.1 localhost\n"
    }

    public func update(buckets: [String]) {
        var text = base
        if !text.hasSuffix("\n") { text += "\n" }
        text += "# Gust's endpoint and buckets\n127.0.0.1 \(Self.endpointName)\n"
        for bucket in buckets { text += "127.0.0.1 \(bucket).\(Self.endpointName)\n" }
        let bytes = Array(text.utf8)
        try? FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        // In place, not by rename: a rename would leave running instances with the old file.
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        defer { close(fd) }
        _ = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        _ = ftruncate(fd, off_t(bytes.count))
        fchmod(fd, 0o644)
    }

    /// `url` with its host replaced by `gust.internal` when it is the loopback address (where the
    /// name points); otherwise unchanged.
    public static func named(_ url: String) -> String {
        guard url.hasPrefix("http://127.0.0.1:") else { return url }
        return "http://\(endpointName):" + url.dropFirst("http://127.0.0.1:".count)
    }
}
