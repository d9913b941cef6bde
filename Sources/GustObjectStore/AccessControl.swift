import Foundation

/// An S3 access control list: who may do what with a bucket or an object. Gust has one account,
/// so the owner is always `S3API.ownerID`; grants to anyone else are stored and returned, and the
/// only ones enforced are those to the AllUsers group (anonymous requests, `S3API+Anonymous`).
public struct AccessControlList: Sendable, Equatable, Codable {
    public var grants: [Grant]

    public init(grants: [Grant]) { self.grants = grants }

    public enum Permission: String, Sendable, Codable, CaseIterable {
        case fullControl = "FULL_CONTROL"
        case read = "READ"
        case write = "WRITE"
        case readACP = "READ_ACP"
        case writeACP = "WRITE_ACP"
    }

    public enum Grantee: Sendable, Equatable, Codable {
        case canonicalUser(id: String)
        case group(uri: String)
        /// S3 resolves an address to its account's canonical user. Gust's one account has no
        /// address, so such grants are refused (`UnresolvableGrantByEmailAddress`); the case
        /// is here for the wire forms.
        case email(String)
    }

    public struct Grant: Sendable, Equatable, Codable {
        public var grantee: Grantee
        public var permission: Permission

        public init(_ grantee: Grantee, _ permission: Permission) {
            self.grantee = grantee
            self.permission = permission
        }
    }

    public static let allUsers = "http://acs.amazonaws.com/groups/global/AllUsers"
    public static let authenticatedUsers = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
    public static let logDelivery = "http://acs.amazonaws.com/groups/s3/LogDelivery"

    /// What a bucket or object without an ACL of its own has: the owner's FULL_CONTROL.
    public static let `private` = AccessControlList(grants: [Grant(.canonicalUser(id: S3API.ownerID), .fullControl)])

    /// Whether a grant to AllUsers allows `permission` (FULL_CONTROL allows everything).
    public func allowsEveryone(_ permission: Permission) -> Bool {
        grants.contains { $0.grantee == .group(uri: Self.allUsers) && ($0.permission == permission || $0.permission == .fullControl) }
    }
}

/// S3's canned ACLs (`x-amz-acl`), as AWS documents them. The bucket owner and the object owner
/// are the same account here, so `bucket-owner-read` and `bucket-owner-full-control` come down to
/// the owner's FULL_CONTROL, as they do on S3 when one account owns both.
public enum CannedACL: String, Sendable, CaseIterable {
    case `private` = "private"
    case publicRead = "public-read"
    case publicReadWrite = "public-read-write"
    case authenticatedRead = "authenticated-read"
    case awsExecRead = "aws-exec-read"
    case bucketOwnerRead = "bucket-owner-read"
    case bucketOwnerFullControl = "bucket-owner-full-control"
    case logDeliveryWrite = "log-delivery-write"

    /// The group grants come before the owner's, in the order RGW lists them (ceph/s3-tests
    /// compares grants in order when the first has no display name).
    public var acl: AccessControlList {
        typealias Grant = AccessControlList.Grant
        var grants: [Grant] = []
        switch self {
        case .private, .bucketOwnerRead, .bucketOwnerFullControl:
            break
        case .awsExecRead:
            // EC2's read access to AMI bundles: there is no EC2 here to grant it to.
            break
        case .publicRead:
            grants.append(Grant(.group(uri: AccessControlList.allUsers), .read))
        case .publicReadWrite:
            grants.append(Grant(.group(uri: AccessControlList.allUsers), .read))
            grants.append(Grant(.group(uri: AccessControlList.allUsers), .write))
        case .authenticatedRead:
            grants.append(Grant(.group(uri: AccessControlList.authenticatedUsers), .read))
        case .logDeliveryWrite:
            grants.append(Grant(.group(uri: AccessControlList.logDelivery), .write))
            grants.append(Grant(.group(uri: AccessControlList.logDelivery), .readACP))
        }
        return AccessControlList(grants: grants + AccessControlList.private.grants)
    }

    public static func parse(_ value: String) throws(S3Error) -> CannedACL {
        guard let canned = CannedACL(rawValue: value) else {
            throw S3Error(.invalidArgument, "Invalid canned ACL \"\(value)\": x-amz-acl must be one of \(allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        return canned
    }
}
