// Hand-written: no available Swift library verifies SigV4 on the server side, so Gust carries
// its own signer and verifier.

import Foundation

/// The service a request claims in its credential scope, read without checking anything: the
/// gateway routes on it before the chosen service's verifier checks the signature (which covers
/// the same scope, so a request cannot be routed by one name and verified under another).
public enum SigV4Scope {
    /// The `service` of `Credential=AK/date/region/service/aws4_request`, from the
    /// `Authorization` header or the presigned `X-Amz-Credential` query parameter; nil when the
    /// request is not signed or its scope is malformed.
    public static func service(authorization: String?, rawQuery: String?) -> String? {
        if let authorization, let range = authorization.range(of: "Credential=") {
            let credential = authorization[range.upperBound...].prefix { $0 != "," && $0 != " " }
            return service(ofCredential: Substring(credential))
        }
        guard let rawQuery else { return nil }
        for pair in rawQuery.split(separator: "&") where pair.hasPrefix("X-Amz-Credential=") {
            let value = pair.dropFirst("X-Amz-Credential=".count)
            let decoded = value.replacingOccurrences(of: "%2F", with: "/").replacingOccurrences(of: "%2f", with: "/")
            return service(ofCredential: Substring(decoded))
        }
        return nil
    }

    private static func service(ofCredential credential: Substring) -> String? {
        let parts = credential.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[4] == SigV4Canonical.terminator, !parts[3].isEmpty else { return nil }
        return String(parts[3])
    }
}
