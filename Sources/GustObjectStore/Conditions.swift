import Foundation

/// GET/HEAD (and copy-source) preconditions, with S3's precedence: If-Match beats
/// If-Unmodified-Since, If-None-Match beats If-Modified-Since.
public struct ReadConditions: Sendable, Equatable {
    public var ifMatch: String?
    public var ifNoneMatch: String?
    public var ifModifiedSince: Date?
    public var ifUnmodifiedSince: Date?

    public init(ifMatch: String? = nil, ifNoneMatch: String? = nil, ifModifiedSince: Date? = nil, ifUnmodifiedSince: Date? = nil) {
        self.ifMatch = ifMatch
        self.ifNoneMatch = ifNoneMatch
        self.ifModifiedSince = ifModifiedSince
        self.ifUnmodifiedSince = ifUnmodifiedSince
    }

    /// Throws 412 PreconditionFailed or 304 NotModified (always 412 for a copy source).
    public func check(_ object: ObjectRecord, copySource: Bool = false) throws(S3Error) {
        let modified = object.lastModified.timeIntervalSince1970.rounded(.down)
        if let ifMatch {
            if !Self.matches(ifMatch, object.etag) { throw Self.failed }
        } else if let since = ifUnmodifiedSince, modified > since.timeIntervalSince1970 {
            throw Self.failed
        }
        if let ifNoneMatch {
            if Self.matches(ifNoneMatch, object.etag) { throw copySource ? Self.failed : Self.notModified }
        } else if let since = ifModifiedSince, modified <= since.timeIntervalSince1970 {
            throw copySource ? Self.failed : Self.notModified
        }
    }

    static let failed = S3Error(.preconditionFailed, "At least one of the pre-conditions you specified did not hold")
    static let notModified = S3Error(.notModified, "Not Modified")

    /// An entity-tag list (`"a", "b"`, `*`) against an ETag, quotes ignored.
    static func matches(_ list: String, _ etag: String) -> Bool {
        list.split(separator: ",").contains { raw in
            let tag = raw.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "W/", with: "")
            return tag == "*" || tag.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) == etag
        }
    }
}

/// PUT preconditions (conditional writes): `If-None-Match: *` creates only; `If-Match` replaces
/// only the named version.
public struct WriteConditions: Sendable, Equatable {
    public var ifNoneMatchAny = false
    /// `If-None-Match: "etag"`: refused while the object has that ETag.
    public var ifNoneMatch: String?
    public var ifMatch: String?

    public init(ifNoneMatchAny: Bool = false, ifNoneMatch: String? = nil, ifMatch: String? = nil) {
        self.ifNoneMatchAny = ifNoneMatchAny
        self.ifNoneMatch = ifNoneMatch
        self.ifMatch = ifMatch
    }

    /// From a request's `If-None-Match` and `If-Match`.
    static func headers(ifNoneMatch: String?, ifMatch: String?) -> WriteConditions {
        let trimmed = ifNoneMatch?.trimmingCharacters(in: .whitespaces)
        return WriteConditions(ifNoneMatchAny: trimmed == "*", ifNoneMatch: trimmed == "*" ? nil : trimmed, ifMatch: ifMatch)
    }

    var isEmpty: Bool { !ifNoneMatchAny && ifNoneMatch == nil && ifMatch == nil }

    func check(_ existing: ObjectRecord?) throws(S3Error) {
        if ifNoneMatchAny, existing != nil { throw ReadConditions.failed }
        if let ifNoneMatch, let existing, ReadConditions.matches(ifNoneMatch, existing.etag) { throw ReadConditions.failed }
        if let ifMatch {
            guard let existing else { throw S3Error(.noSuchKey, "The specified key does not exist.") }
            if !ReadConditions.matches(ifMatch, existing.etag) { throw ReadConditions.failed }
        }
    }
}

/// A `Range: bytes=…` header resolved against an object's size (one range; S3 serves no more).
public enum ByteRange: Sendable, Equatable {
    /// Serve `offset..<offset+length` with 206.
    case partial(offset: Int64, length: Int64)
    /// Not a range S3 honours (malformed or several): serve the whole object with 200.
    case whole

    /// Throws 416 InvalidRange when the range starts past the end.
    public static func parse(_ header: String?, size: Int64) throws(S3Error) -> ByteRange {
        guard let header else { return .whole }
        let text = header.trimmingCharacters(in: .whitespaces)
        guard text.hasPrefix("bytes="), !text.contains(",") else { return .whole }
        let spec = text.dropFirst("bytes=".count)
        let parts = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return .whole }
        let first = parts[0].trimmingCharacters(in: .whitespaces)
        let last = parts[1].trimmingCharacters(in: .whitespaces)
        if first.isEmpty {
            // Suffix: the last N bytes.
            guard let count = Int64(last), count >= 0 else { return .whole }
            if count == 0 { throw invalid(size) }
            let length = min(count, size)
            return size == 0 ? .whole : .partial(offset: size - length, length: length)
        }
        guard let start = Int64(first), start >= 0 else { return .whole }
        let end: Int64
        if last.isEmpty {
            end = size - 1
        } else {
            guard let value = Int64(last), value >= start else { return .whole }
            end = min(value, size - 1)
        }
        guard start < size else { throw invalid(size) }
        return .partial(offset: start, length: end - start + 1)
    }

    static func invalid(_ size: Int64) -> S3Error {
        S3Error(.invalidRange, "The requested range is not satisfiable")
    }
}
