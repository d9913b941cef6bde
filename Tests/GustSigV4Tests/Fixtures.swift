// Hand-written: no available Swift library verifies SigV4 on the server side, so Gust carries
// its own signer and verifier; these helpers feed both from the same inputs.

import Foundation

@testable import GustSigV4

/// Keys, dates and request builders shared by the SigV4 tests.
enum Fixtures {
    /// The example credentials of AWS's SigV4 test suite.
    static let suiteAccessKey = "AKIDEXAMPLE"
    static let suiteSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    /// 20150830T123600Z, the time every test-suite vector was signed at.
    static let suiteDate = Date(timeIntervalSince1970: 1_440_938_160)

    /// The example credentials of the S3 SigV4 documentation.
    static let s3DocsAccessKey = "AKIAIOSFODNN7EXAMPLE"
    static let s3DocsSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    /// 20130524T000000Z, the time of the S3 documentation examples.
    static let s3DocsDate = Date(timeIntervalSince1970: 1_369_353_600)

    /// A verifier that knows both example key pairs.
    static func verifier(maxClockSkew: TimeInterval = 900) -> SigV4Verifier {
        SigV4Verifier(
            credentials: { key in
                switch key {
                case suiteAccessKey: suiteSecret
                case s3DocsAccessKey: s3DocsSecret
                default: nil
                }
            }, maxClockSkew: maxClockSkew)
    }

    static func signer(service: String, secret: String = suiteSecret) -> SigV4Signer {
        SigV4Signer(accessKey: suiteAccessKey, secretKey: secret, region: "us-east-1", service: service)
    }

    static func date(_ amzDate: String) -> Date {
        guard let date = AmzDate.parse(amzDate) else { preconditionFailure("bad fixture date \(amzDate)") }
        return date
    }

    /// The request a server receives when a client sends `url` with `headers` plus the headers
    /// the signer added (and the `Host` every HTTP client adds).
    static func received(
        method: String, url: URL, headers: [String: String] = [:], added: [String: String],
        body: [UInt8] = []
    ) -> SigV4Request {
        // Like an HTTP client merging the signer's headers into its own: one value per name.
        let addedNames = Set(added.keys.map { $0.lowercased() })
        var list = [(name: "Host", value: SigV4Signer.hostHeader(for: url))]
        list += headers.filter { !addedNames.contains($0.key.lowercased()) }.sorted { $0.key < $1.key }
            .map { (name: $0.key, value: $0.value) }
        list += added.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
        return SigV4Request(
            method: method, rawPath: url.path(percentEncoded: true), rawQuery: url.query(percentEncoded: true),
            headers: list, body: body)
    }

    /// The request a server receives for a presigned URL (no headers but `Host`).
    static func received(method: String, presigned url: URL, body: [UInt8] = []) -> SigV4Request {
        received(method: method, url: url, added: [:], body: body)
    }

    /// The error of a failed verification, nil when it succeeded.
    static func failure(_ result: Result<SigV4Identity, SigV4Error>) -> SigV4Error.Code? {
        if case .failure(let error) = result { return error.code }
        return nil
    }

    static func url(_ text: String) -> URL {
        guard let url = URL(string: text) else { preconditionFailure("bad fixture URL \(text)") }
        return url
    }
}
