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
        var fields: [String: String] = [:]
        for component in header.dropFirst(prefix.count).split(separator: ",") {
            let trimmed = component.trimmingSpaces()
            guard let equals = trimmed.firstIndex(of: "=") else { continue }
            fields[String(trimmed[..<equals])] = String(trimmed[trimmed.index(after: equals)...])
        }
        for name in ["Credential", "SignedHeaders", "Signature"] where fields[name]?.isEmpty ?? true {
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

        let scope = try credential(fields["Credential"] ?? "")
        return SigV4Authorization(
            form: .header, accessKey: scope.accessKey, scopeDate: scope.date, region: scope.region,
            service: scope.service, signedHeaders: try signedHeaders(fields["SignedHeaders"] ?? ""),
            signature: fields["Signature"] ?? "", timestamp: timestamp, date: date, expires: nil,
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
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 5, !parts[0].isEmpty, parts[1].count == 8, parts[1].allSatisfy(\.isASCII),
            parts[1].allSatisfy(\.isNumber), !parts[2].isEmpty, !parts[3].isEmpty,
            parts[4] == SigV4Canonical.terminator
        else {
            throw SigV4Error(
                .incompleteSignature,
                "Credential must have the form <access key>/<yyyymmdd>/<region>/<service>/aws4_request; got '\(text)'.")
        }
        return (parts[0], parts[1], parts[2], parts[3])
    }

    /// Host must be signed, as AWS requires; otherwise a signature could be replayed against
    /// another host that trusts the same key.
    private static func signedHeaders(_ text: String) throws(SigV4Error) -> [String] {
        let names = text.split(separator: ";").map { $0.trimmingSpaces().lowercased() }
        guard names.contains("host") else {
            throw SigV4Error(.incompleteSignature, "'Host' must be a 'SignedHeader' in the AWS Authorization.")
        }
        return names
    }
}
