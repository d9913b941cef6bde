import Foundation
import GustAWSWire

#if canImport(FoundationXML)
import FoundationXML
#endif

extension S3API {
    /// ListObjectsV2 (`list-type=2`) and ListObjects (v1, `marker`).
    func listObjects(_ request: S3Request, _ bucket: String) async throws(S3Error) -> AWSResponse {
        let v2 = request.query["list-type"] == "2"
        let prefix = request.query["prefix"] ?? ""
        let delimiter = request.query["delimiter"].flatMap { $0.isEmpty ? nil : $0 }
        var maxKeys = 1000
        if let raw = request.query["max-keys"] {
            guard let value = Int(raw), value >= 0 else { throw S3Error(.invalidArgument, "Provided max-keys not an integer or within integer range") }
            maxKeys = min(value, 1000)
        }
        let urlEncoding = request.query["encoding-type"]
        if let urlEncoding, urlEncoding != "url" { throw S3Error(.invalidArgument, "Invalid Encoding Method specified in Request") }
        func encode(_ text: String) -> String { urlEncoding == nil ? text : S3Request.urlEncoded(text) }

        var after: String?
        let token = request.query["continuation-token"].flatMap { $0.isEmpty ? nil : $0 }
        if v2 {
            if let token {
                guard let key = PageToken.lastKey(kind: "s3", token: token) else {
                    throw S3Error(.invalidArgument, "The continuation token provided is incorrect")
                }
                after = key
            } else {
                after = request.query["start-after"].flatMap { $0.isEmpty ? nil : $0 }
            }
        } else {
            after = request.query["marker"].flatMap { $0.isEmpty ? nil : $0 }
        }
        let listing = try await objects.list(bucket: bucket, prefix: prefix, delimiter: delimiter, after: after, maxKeys: maxKeys)

        let root = XMLElement(name: "ListBucketResult")
        root.addChild(S3XML.element("Name", bucket))
        // botocore decodes v2's Prefix but not v1's, and S3 encodes it only in v2.
        root.addChild(S3XML.element("Prefix", v2 ? encode(prefix) : prefix))
        if v2 {
            if let given = request.query["continuation-token"] { root.addChild(S3XML.element("ContinuationToken", given)) }
            if let start = request.query["start-after"] { root.addChild(S3XML.element("StartAfter", encode(start))) }
            root.addChild(S3XML.element("KeyCount", String(listing.objects.count + listing.commonPrefixes.count)))
        } else {
            root.addChild(S3XML.element("Marker", encode(request.query["marker"] ?? "")))
        }
        root.addChild(S3XML.element("MaxKeys", String(maxKeys)))
        if let delimiter { root.addChild(S3XML.element("Delimiter", encode(delimiter))) }
        if let urlEncoding { root.addChild(S3XML.element("EncodingType", urlEncoding)) }
        root.addChild(S3XML.element("IsTruncated", listing.isTruncated ? "true" : "false"))
        if listing.isTruncated, let last = listing.lastReturned {
            if v2 {
                root.addChild(S3XML.element("NextContinuationToken", PageToken.make(kind: "s3", lastKey: last)))
            } else if delimiter != nil {
                // v1 names the next marker only with a delimiter; without one it is the last key.
                root.addChild(S3XML.element("NextMarker", encode(last)))
            }
        }
        let fetchOwner = !v2 || request.query["fetch-owner"] == "true"
        for object in listing.objects {
            var children = [
                S3XML.element("Key", encode(object.key)), S3XML.element("LastModified", S3Date.iso(object.lastModified)),
                S3XML.element("ETag", "\"\(object.etag)\""), S3XML.element("Size", String(object.size)),
                S3XML.element("StorageClass", "STANDARD"),
            ]
            if fetchOwner {
                children.append(S3XML.element("Owner", children: [S3XML.element("ID", Self.ownerID), S3XML.element("DisplayName", Self.ownerName)]))
            }
            root.addChild(S3XML.element("Contents", children: children))
        }
        for common in listing.commonPrefixes {
            root.addChild(S3XML.element("CommonPrefixes", children: [S3XML.element("Prefix", encode(common))]))
        }
        return Self.xml(root)
    }

    /// ListObjectVersions: versioning is never enabled, so every object is its only version,
    /// `null`, and the latest (what S3 answers for an unversioned bucket).
    func listVersions(_ request: S3Request, _ bucket: String) async throws(S3Error) -> AWSResponse {
        let prefix = request.query["prefix"] ?? ""
        let delimiter = request.query["delimiter"].flatMap { $0.isEmpty ? nil : $0 }
        let maxKeys = try Self.limit(request.query["max-keys"], name: "max-keys")
        let keyMarker = request.query["key-marker"].flatMap { $0.isEmpty ? nil : $0 }
        let urlEncoding = request.query["encoding-type"]
        func encode(_ text: String) -> String { urlEncoding == nil ? text : S3Request.urlEncoded(text) }
        let listing = try await objects.list(bucket: bucket, prefix: prefix, delimiter: delimiter, after: keyMarker, maxKeys: maxKeys)
        var children = [
            S3XML.element("Name", bucket), S3XML.element("Prefix", encode(prefix)), S3XML.element("KeyMarker", encode(keyMarker ?? "")),
            S3XML.element("VersionIdMarker", ""), S3XML.element("MaxKeys", String(maxKeys)),
        ]
        if let delimiter { children.append(S3XML.element("Delimiter", encode(delimiter))) }
        if let urlEncoding { children.append(S3XML.element("EncodingType", urlEncoding)) }
        children.append(S3XML.element("IsTruncated", listing.isTruncated ? "true" : "false"))
        if listing.isTruncated, let last = listing.lastReturned {
            children.append(S3XML.element("NextKeyMarker", encode(last)))
            children.append(S3XML.element("NextVersionIdMarker", "null"))
        }
        for object in listing.objects {
            children.append(
                S3XML.element(
                    "Version",
                    children: [
                        S3XML.element("Key", encode(object.key)), S3XML.element("VersionId", "null"), S3XML.element("IsLatest", "true"),
                        S3XML.element("LastModified", S3Date.iso(object.lastModified)), S3XML.element("ETag", "\"\(object.etag)\""),
                        S3XML.element("Size", String(object.size)), S3XML.element("StorageClass", "STANDARD"), Self.owner("Owner"),
                    ]))
        }
        for common in listing.commonPrefixes {
            children.append(S3XML.element("CommonPrefixes", children: [S3XML.element("Prefix", encode(common))]))
        }
        return Self.xml(S3XML.element("ListVersionsResult", children: children))
    }
}
