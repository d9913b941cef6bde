// Hand-written, as the SigV4 verifier is: S3's query-string authentication of signature version 2
// (`?AWSAccessKeyId=…&Expires=…&Signature=…`), which awscli's `s3 presign` and boto3's default
// presigned URLs still produce. Only the presigned form: signed requests use SigV4.

import Crypto
import Foundation

public enum SigV2Presigned {
    /// True when the query carries a version-2 presigned signature.
    public static func matches(rawQuery: String?) -> Bool {
        guard let rawQuery else { return false }
        let bytes = Array(rawQuery.utf8)
        return SigV4Scope.find(Array("AWSAccessKeyId=".utf8), in: bytes) != nil && SigV4Scope.find(Array("Signature=".utf8), in: bytes) != nil
            && SigV4Scope.find(Array("X-Amz-Signature=".utf8), in: bytes) == nil
    }

    /// The query parameters that are part of the resource S3 signs (its "sub-resources").
    static let subresources: Set<String> = [
        "accelerate", "acl", "cors", "defaultObjectAcl", "delete", "lifecycle", "location", "logging", "notification",
        "partNumber", "policy", "requestPayment", "restore", "tagging", "torrent", "uploadId", "uploads", "versionId",
        "versioning", "versions", "website", "response-content-type", "response-content-language", "response-expires",
        "response-cache-control", "response-content-disposition", "response-content-encoding", "object-lock", "select",
        "select-type", "replication", "analytics", "metrics", "inventory", "storageClass",
    ]

    /// The string a version-2 signature covers. `resource` is `/bucket/key` as the client encoded it.
    static func stringToSign(_ request: SigV4Request, expires: String, resource: String) -> String {
        var amzHeaders: [String: [String]] = [:]
        for (name, value) in request.headers {
            let lower = name.lowercased()
            guard lower.hasPrefix("x-amz-") else { continue }
            amzHeaders[lower, default: []].append(value.trimmingSpaces())
        }
        var text = "\(request.method)\n\(request.header("Content-MD5") ?? "")\n\(request.header("Content-Type") ?? "")\n\(expires)\n"
        for name in amzHeaders.keys.sorted() { text += "\(name):\(amzHeaders[name]!.joined(separator: ","))\n" }
        text += resource
        let pairs = SigV4Canonical.queryPairs(request.rawQuery)
            .map { (String(decoding: $0.name, as: UTF8.self), String(decoding: $0.value, as: UTF8.self), $0.value.isEmpty) }
            .filter { subresources.contains($0.0) }
            .sorted { $0.0 < $1.0 }
        if !pairs.isEmpty {
            text += "?" + pairs.map { $0.2 && !(request.rawQuery ?? "").contains("\($0.0)=") ? $0.0 : "\($0.0)=\($0.1)" }.joined(separator: "&")
        }
        return text
    }
}

extension SigV4Verifier {
    /// Checks a version-2 presigned request. `bucketFromHost` is the bucket a virtual-host request
    /// names in its `Host`, whose signed resource starts with it.
    public func verifyPresignedV2(_ request: SigV4Request, bucketFromHost: String?, now: Date = Date()) -> Result<SigV4Identity, SigV4Error> {
        Result { () throws(SigV4Error) -> SigV4Identity in
            guard let accessKey = request.queryValue("AWSAccessKeyId"), let signature = request.queryValue("Signature"),
                let expires = request.queryValue("Expires")
            else { throw SigV4Error(.incompleteSignature, "a version 2 presigned URL needs AWSAccessKeyId, Expires and Signature") }
            guard let key = credentials(accessKey) else { throw SigV4Error(.invalidAccessKey, "unknown access key \(accessKey)") }
            try checkSessionToken(key, request)
            guard let deadline = TimeInterval(expires) else { throw SigV4Error(.incompleteSignature, "Expires is not a number") }
            guard now.timeIntervalSince1970 <= deadline else { throw SigV4Error(.requestExpired, "Request has expired") }
            var resources = [request.rawPath]
            if let bucketFromHost { resources.insert("/\(bucketFromHost)\(request.rawPath)", at: 0) }
            for resource in resources {
                let text = SigV2Presigned.stringToSign(request, expires: expires, resource: resource)
                let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Array(text.utf8), using: SymmetricKey(data: Array(key.secret.utf8)))
                guard SigV4Crypto.constantTimeEquals(Data(mac).base64EncodedString(), signature) else { continue }
                return SigV4Identity(
                    accessKey: accessKey, region: "us-east-1", service: "s3", date: Date(timeIntervalSince1970: deadline),
                    payloadHash: SigV4Canonical.unsignedPayload, signature: signature, principal: key.principal)
            }
            throw SigV4Error(.signatureMismatch, "The request signature we calculated does not match the signature you provided.")
        }
    }
}
