import GustCore
// Hand-written: no available Swift library verifies SigV4 on the server side, so Gust carries
// its own signer and verifier.
//
// Parsing is separate from checking so that every "this is malformed" answer
// (IncompleteSignature) is settled before any secret is looked up or any HMAC is computed.

import Foundation

/// The signing claims a request makes, from its `Authorization` header or presigned query.
struct SigV4Authorization {
    enum Form { case header, query }

    var form: Form
    var accessKey: String
    var scopeDate: String
    var region: String
    var service: String
    /// Lowercase header names in the order the client listed them.
    var signedHeaders: [String]
    var signature: String
    /// `yyyyMMdd'T'HHmmss'Z'`, as it goes into the string to sign.
    var timestamp: String
    var date: Date
    /// Seconds a presigned URL stays valid; nil for the header form.
    var expires: Int?
    /// The canonical query, which for presigned URLs leaves out `X-Amz-Signature`.
    var canonicalQuery: String

    private static let queryMarkers: Set<String> = ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature"]

    static func parse(_ request: SigV4Request) throws(SigV4Error) -> SigV4Authorization {
        let pairs = SigV4Canonical.queryPairs(request.rawQuery)
        var query: [String: String] = [:]
        for pair in pairs {
            query[String(decoding: pair.name, as: UTF8.self)] = String(decoding: pair.value, as: UTF8.self)
        }
        let isPresigned = !queryMarkers.isDisjoint(with: query.keys)
        let authorization = request.header("Authorization")

        switch (authorization, isPresigned) {
        case (.some, true):
            throw SigV4Error(
                .incompleteSignature,
                "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the "
                    + "Authorization header should be specified")
        case (.some(let header), false):
            return try parseHeader(header, request: request, pairs: pairs)
        case (nil, true):
            return try parseQuery(query, pairs: pairs)
        case (nil, false):
            throw SigV4Error(.missingAuthentication)
        }
    }

    private static func parseHeader(
        _ header: String, request: SigV4Request, pairs: [(name: [UInt8], value: [UInt8])]
    ) throws(SigV4Error) -> SigV4Authorization {
        let prefix = SigV4Canonical.algorithm + " "
        guard header.hasPrefix(prefix) else {
            throw SigV4Error(
                .incompleteSignature, "Unsupported authorization type; only \(SigV4Canonical.algorithm) is accepted.")
        }
        // On UTF-8 bytes: Character-wise splitting and trimming (grapheme breaking) made parsing
        // this one header cost more than the rest of the signature check.
        var credential: String?
        var signedHeaderList: String?
        var signature: String?
        var rest = header.utf8.dropFirst(prefix.utf8.count)
        while !rest.isEmpty {
            let comma = rest.firstIndex(of: UInt8(ascii: ",")) ?? rest.endIndex
            let field = ASCII.trimmingSpaces(rest[..<comma])
            rest = rest[comma...].dropFirst()
            guard let equals = field.firstIndex(of: UInt8(ascii: "=")) else { continue }
            let name = field[..<equals]
            let value = String(decoding: field[field.index(after: equals)...], as: UTF8.self)
            if name.elementsEqual("Credential".utf8) {
                credential = value
            } else if name.elementsEqual("SignedHeaders".utf8) {
                signedHeaderList = value
            } else if name.elementsEqual("Signature".utf8) {
                signature = value
            }
        }
        for (name, value) in [("Credential", credential), ("SignedHeaders", signedHeaderList), ("Signature", signature)]
        where value?.isEmpty ?? true {
            throw SigV4Error(.incompleteSignature, "Authorization header requires '\(name)' parameter.")
        }

        // The header form may carry its time in the standard Date header instead.
        let timestamp: String
        let date: Date
        if let amzDate = request.header("X-Amz-Date") {
            guard let parsed = AmzDate.parse(amzDate.trimmingSpaces()) else {
                throw SigV4Error(
                    .incompleteSignature, "X-Amz-Date must be in the ISO8601 basic format yyyyMMdd'T'HHmmss'Z'.")
            }
            date = parsed
            timestamp = AmzDate.format(parsed)
        } else if let httpDate = request.header("Date") {
            guard let parsed = AmzDate.parseHTTPDate(httpDate) else {
                throw SigV4Error(.incompleteSignature, "Date header is not a valid HTTP date.")
            }
            date = parsed
            timestamp = AmzDate.format(parsed)
        } else {
            throw SigV4Error(
                .incompleteSignature,
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
        }

        let scope = try Self.credential(credential ?? "")
        return SigV4Authorization(
            form: .header, accessKey: scope.accessKey, scopeDate: scope.date, region: scope.region,
            service: scope.service, signedHeaders: try signedHeaders(signedHeaderList ?? ""),
            signature: signature ?? "", timestamp: timestamp, date: date, expires: nil,
            canonicalQuery: SigV4Canonical.canonicalQuery(pairs))
    }

    private static func parseQuery(
        _ query: [String: String], pairs: [(name: [UInt8], value: [UInt8])]
    ) throws(SigV4Error) -> SigV4Authorization {
        for name in [
            "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
            "X-Amz-SignedHeaders", "X-Amz-Signature",
        ]
        where query[name]?.isEmpty ?? true {
            throw SigV4Error(.incompleteSignature, "Query-string authentication requires the \(name) parameter.")
        }
        guard query["X-Amz-Algorithm"] == SigV4Canonical.algorithm else {
            throw SigV4Error(.incompleteSignature, "X-Amz-Algorithm only supports \(SigV4Canonical.algorithm).")
        }
        guard let date = AmzDate.parse(query["X-Amz-Date"] ?? "") else {
            throw SigV4Error(
                .incompleteSignature, "X-Amz-Date must be in the ISO8601 basic format yyyyMMdd'T'HHmmss'Z'.")
        }
        guard let expires = Int(query["X-Amz-Expires"] ?? ""), (1...604_800).contains(expires) else {
            throw SigV4Error(
                .incompleteSignature,
                "X-Amz-Expires must be a whole number of seconds between 1 and 604800 (a week).")
        }
        let scope = try credential(query["X-Amz-Credential"] ?? "")
        let signatureName = Array("X-Amz-Signature".utf8)
        return SigV4Authorization(
            form: .query, accessKey: scope.accessKey, scopeDate: scope.date, region: scope.region,
            service: scope.service, signedHeaders: try signedHeaders(query["X-Amz-SignedHeaders"] ?? ""),
            signature: query["X-Amz-Signature"] ?? "", timestamp: AmzDate.format(date), date: date,
            expires: expires,
            canonicalQuery: SigV4Canonical.canonicalQuery(pairs.filter { $0.name != signatureName }))
    }

    /// `AK/yyyymmdd/region/service/aws4_request`. Any region is accepted: Gust has one.
    private static func credential(
        _ text: String
    ) throws(SigV4Error) -> (accessKey: String, date: String, region: String, service: String) {
        let parts = text.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        guard parts.count == 5, !parts[0].isEmpty, parts[1].count == 8,
            parts[1].allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }), !parts[2].isEmpty,
            !parts[3].isEmpty, parts[4].elementsEqual(SigV4Canonical.terminator.utf8)
        else {
            throw SigV4Error(
                .incompleteSignature,
                "Credential must have the form <access key>/<yyyymmdd>/<region>/<service>/aws4_request; got '\(text)'.")
        }
        let strings = parts.prefix(4).map { String(decoding: $0, as: UTF8.self) }
        return (strings[0], strings[1], strings[2], strings[3])
    }

    /// Host must be signed, as AWS requires; otherwise a signature could be replayed against
    /// another host that trusts the same key.
    private static func signedHeaders(_ text: String) throws(SigV4Error) -> [String] {
        let names = text.utf8.split(separator: UInt8(ascii: ";")).map { ASCII.lowercased(ASCII.trimmingSpaces($0)) }
        guard names.contains("host") else {
            throw SigV4Error(.incompleteSignature, "'Host' must be a 'SignedHeader' in the AWS Authorization.")
        }
        return names
    }
}
