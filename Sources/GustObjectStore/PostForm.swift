// Hand-written: S3's browser uploads (POST Object) are multipart/form-data whose last part, the
// file, may be gigabytes and must stream to disk as it arrives. MultipartKit's parser hands parts
// over by callback without back-pressure and without where a part's bytes start, so the fields
// before the file are parsed here from a capped prefix, and the file's bytes pass through
// `PostFileBody`, which only holds back what could be the closing boundary.

import Foundation
import GustAWSWire

/// The form fields before the file (names as sent; S3 matches them case-insensitively), and
/// the file part's own filename and Content-Type.
struct PostForm: Sendable, Equatable {
    var fields: [(name: String, value: String)] = []
    var fileName: String?
    var fileContentType: String?

    static func == (lhs: PostForm, rhs: PostForm) -> Bool {
        lhs.fields.map(\.name) == rhs.fields.map(\.name) && lhs.fields.map(\.value) == rhs.fields.map(\.value)
            && lhs.fileName == rhs.fileName && lhs.fileContentType == rhs.fileContentType
    }

    /// The first field named `name`, case-insensitively.
    func field(_ name: String) -> String? {
        fields.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// `multipart/form-data; boundary=XYZ` → `XYZ`.
    static func boundary(contentType: String?) -> String? {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data") else { return nil }
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, pair[0].lowercased() == "boundary" else { continue }
            let value = pair[1].hasPrefix("\"") && pair[1].hasSuffix("\"") && pair[1].count >= 2 ? String(pair[1].dropFirst().dropLast()) : pair[1]
            return (1...70).contains(value.utf8.count) ? value : nil
        }
        return nil
    }
}

/// Reads the form up to the start of the file's bytes. Pure: fed bytes, it answers the form and
/// the bytes after the file part's headers once it has them.
struct PostFormHead {
    let delimiter: [UInt8]
    private(set) var buffer: [UInt8] = []
    static let limit = 1024 * 1024

    init(boundary: String) { delimiter = Array("--\(boundary)".utf8) }

    static func malformed(_ detail: String) -> S3Error {
        S3Error(.malformedPOSTRequest, "The body of your POST request is not well-formed multipart/form-data. (\(detail))")
    }

    /// Nil while more bytes are needed.
    mutating func feed(_ bytes: [UInt8]) throws(S3Error) -> (form: PostForm, rest: [UInt8])? {
        buffer += bytes
        let result = try parse()
        if result == nil, buffer.count > Self.limit { throw Self.malformed("the fields before the file exceed 1 MiB") }
        return result
    }

    /// Called when the body ended before the file: a form without one.
    func finish() throws(S3Error) -> Never {
        throw S3Error(.invalidArgument, "POST requires exactly one file upload per request.")
    }

    private func parse() throws(S3Error) -> (form: PostForm, rest: [UInt8])? {
        guard let first = Self.find(delimiter, in: buffer, from: 0) else { return nil }
        var position = first + delimiter.count
        var form = PostForm()
        let crlf: [UInt8] = [13, 10]
        while true {
            guard buffer.count >= position + 2 else { return nil }
            if buffer[position] == UInt8(ascii: "-") && buffer[position + 1] == UInt8(ascii: "-") { try finish() }
            guard Array(buffer[position..<position + 2]) == crlf else { throw Self.malformed("a boundary is not followed by CRLF") }
            position += 2
            guard let headersEnd = Self.find([13, 10, 13, 10], in: buffer, from: position) else { return nil }
            let headers = try Self.headers(Array(buffer[position..<headersEnd]))
            position = headersEnd + 4
            if headers.name.lowercased() == "file" {
                form.fileName = headers.fileName
                form.fileContentType = headers.contentType
                return (form, Array(buffer[position...]))
            }
            guard let end = Self.find(crlf + delimiter, in: buffer, from: position) else { return nil }
            form.fields.append((headers.name, String(decoding: buffer[position..<end], as: UTF8.self)))
            position = end + 2 + delimiter.count
        }
    }

    /// A part's `Content-Disposition: form-data; name="…"; filename="…"` and `Content-Type`.
    static func headers(_ block: [UInt8]) throws(S3Error) -> (name: String, fileName: String?, contentType: String?) {
        var name: String?
        var fileName: String?
        var contentType: String?
        for line in String(decoding: block, as: UTF8.self).components(separatedBy: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let header = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if header == "content-type" { contentType = value }
            guard header == "content-disposition" else { continue }
            for parameter in value.split(separator: ";").dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard pair.count == 2 else { continue }
                var text = pair[1]
                if text.hasPrefix("\""), text.hasSuffix("\""), text.count >= 2 { text = String(text.dropFirst().dropLast()) }
                switch pair[0].lowercased() {
                case "name": name = text
                case "filename": fileName = text
                default: break
                }
            }
        }
        guard let name else { throw malformed("a part has no form-data name") }
        return (name, fileName, contentType)
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        let first = needle[0]
        var index = start
        while index <= haystack.count - needle.count {
            if haystack[index] == first && haystack[index..<index + needle.count].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}

/// The file's bytes: what follows the file part's headers, up to the CRLF and boundary that close
/// it. Every chunk is passed on as it arrives except its last `delimiter.count + 1` bytes, which
/// could be the start of the closing boundary; whatever follows the boundary is read and dropped.
struct PostFileBody: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    let first: [UInt8]
    let rest: AWSBodyStream
    let terminator: [UInt8]

    init(first: [UInt8], rest: AWSBodyStream, boundary: String) {
        self.first = first
        self.rest = rest
        terminator = Array("\r\n--\(boundary)".utf8)
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        var source: AWSBodyStream.AsyncIterator
        var pending: [UInt8]
        let terminator: [UInt8]
        var ended = false
        var sourceDone = false

        mutating func next() async throws -> [UInt8]? {
            while !ended {
                if let end = PostFormHead.find(terminator, in: pending, from: 0) {
                    ended = true
                    let last = Array(pending[..<end])
                    pending = []
                    // The epilogue (`--` and anything after it) is read so the connection stays usable.
                    while !sourceDone, try await source.next() != nil {}
                    sourceDone = true
                    return last
                }
                if sourceDone { throw S3Error(.incompleteBody, "The POST body ended before the file's closing boundary.") }
                let keep = terminator.count - 1
                if pending.count > keep + 64 * 1024 {
                    let out = Array(pending[..<(pending.count - keep)])
                    pending.removeFirst(pending.count - keep)
                    return out
                }
                if let chunk = try await source.next() { pending += chunk } else { sourceDone = true }
            }
            return nil
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(source: rest.makeAsyncIterator(), pending: first, terminator: terminator)
    }
}
