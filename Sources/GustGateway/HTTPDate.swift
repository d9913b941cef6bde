import Foundation
import GustAWSWire
import Synchronization

/// `Date` response headers, for the trigger listener and `InvokeFastPath`: formatted once per second.
enum HTTPDate {
    private static let cache = Mutex<(second: Int, text: String)>((-1, ""))

    static func now() -> String {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        let second = time.tv_sec
        return cache.withLock { cache in
            if cache.second == second { return cache.text }
            cache = (second, format(second))
            return cache.text
        }
    }

    /// RFC 9110's IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`.
    static func format(_ seconds: Int) -> String { HTTPDateFormat.string(seconds) }
}
