// Hand-written: no available Swift library verifies SigV4 on the server side, so Gust carries
// its own signer and verifier.
//
// SigV4 timestamps are always UTC. Formatting and parsing them with plain calendar arithmetic
// keeps the verifier free of DateFormatter (not thread-safe everywhere, and locale-sensitive).

import Foundation

/// Conversions between `Date` and the two timestamp forms a SigV4 request can carry.
enum AmzDate {
    /// `yyyyMMdd'T'HHmmss'Z'`, the form used in `X-Amz-Date` and the string to sign.
    static func format(_ date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let days = floorDiv(seconds, 86_400)
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civil(fromDays: days)
        return pad(year, 4) + pad(month, 2) + pad(day, 2) + "T"
            + pad(secondOfDay / 3600, 2) + pad(secondOfDay % 3600 / 60, 2) + pad(secondOfDay % 60, 2)
            + "Z"
    }

    /// Parses `yyyyMMdd'T'HHmmss'Z'`; nil when the text is not exactly that shape.
    static func parse(_ text: String) -> Date? {
        let chars = Array(text.utf8)
        guard chars.count == 16, chars[8] == UInt8(ascii: "T"), chars[15] == UInt8(ascii: "Z") else {
            return nil
        }
        guard let year = number(chars[0..<4]), let month = number(chars[4..<6]),
            let day = number(chars[6..<8]), let hour = number(chars[9..<11]),
            let minute = number(chars[11..<13]), let second = number(chars[13..<15])
        else { return nil }
        return make(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    }

    /// Parses the RFC 7231 IMF-fixdate form of the HTTP `Date` header
    /// (`Sun, 30 Aug 2015 12:36:00 GMT`), which SigV4 accepts when `X-Amz-Date` is absent.
    static func parseHTTPDate(_ text: String) -> Date? {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 6, parts[5] == "GMT",
            let day = Int64(parts[1]),
            let month = months.firstIndex(of: parts[2].lowercased()).map({ Int64($0 + 1) }),
            let year = Int64(parts[3])
        else { return nil }
        let time = parts[4].split(separator: ":")
        guard time.count == 3, let hour = Int64(time[0]), let minute = Int64(time[1]),
            let second = Int64(time[2])
        else { return nil }
        return make(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    }

    private static let months = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ]

    private static func make(
        year: Int64, month: Int64, day: Int64, hour: Int64, minute: Int64, second: Int64
    ) -> Date? {
        // The year bound keeps the day arithmetic below from overflowing (a trap, i.e. a crash) on
        // hostile input such as a 15-digit year.
        guard (1...9999).contains(year), (1...12).contains(month), (1...31).contains(day), (0...23).contains(hour),
            (0...59).contains(minute), (0...60).contains(second)
        else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        // Reject dates such as 20150231 instead of silently rolling them over.
        guard civil(fromDays: days) == (year, month, day) else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(days * 86_400 + hour * 3600 + minute * 60 + second))
    }

    private static func number(_ digits: ArraySlice<UInt8>) -> Int64? {
        guard digits.count <= 9 else { return nil }
        var value: Int64 = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        return value
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : (a - b + 1) / b
    }

    // Howard Hinnant's days-from-civil algorithms (proleptic Gregorian calendar).
    private static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDiv(y, 400)
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = floorDiv(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

/// HTTP dates for other modules (S3's `If-Modified-Since` and friends): the same parser the
/// verifier uses for `Date`, written by hand because Foundation's `DateFormatter` leaks on Linux
/// (found by the `s3` fuzz target).
public enum HTTPDateParser {
    /// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`); nil for anything else.
    public static func parse(_ text: String) -> Date? { AmzDate.parseHTTPDate(text) }
}
