// Hand-written, as the rest of this module: the signatures of S3's browser-upload policies
// (POST Object), which sign the base64 policy document itself rather than a canonical request.

import Crypto
import Foundation

public enum PostPolicySignature {
    /// SigV4: hex HMAC-SHA256 of the policy under the signing key of `date` (YYYYMMDD), region
    /// and service.
    public static func v4(secret: String, date: String, region: String, service: String, policy: String) -> String {
        let key = SigV4Crypto.signingKey(secret: secret, date: date, region: region, service: service)
        return SigV4Crypto.signature(key: key, stringToSign: policy)
    }

    /// Version 2: base64 HMAC-SHA1 of the policy under the secret.
    public static func v2(secret: String, policy: String) -> String {
        Data(HMAC<Insecure.SHA1>.authenticationCode(for: Array(policy.utf8), using: SymmetricKey(data: Array(secret.utf8))))
            .base64EncodedString()
    }

    public static func matches(_ expected: String, _ given: String) -> Bool { SigV4Crypto.constantTimeEquals(expected, given) }
}
