import Foundation

#if canImport(FoundationXML)
import FoundationXML
#endif

/// ACLs on the wire: the `AccessControlPolicy` document of Get/PutBucketAcl and Get/PutObjectAcl,
/// and the `x-amz-acl` / `x-amz-grant-*` headers of PUTs and creations.
extension AccessControlList {
    static let xsiNamespace = "http://www.w3.org/2001/XMLSchema-instance"
    static let knownGroups: Set<String> = [allUsers, authenticatedUsers, logDelivery]

    /// The headers that grant a permission, in the order S3 lists them.
    static let grantHeaders: [(header: String, permission: Permission)] = [
        ("x-amz-grant-full-control", .fullControl), ("x-amz-grant-read", .read), ("x-amz-grant-write", .write),
        ("x-amz-grant-read-acp", .readACP), ("x-amz-grant-write-acp", .writeACP),
    ]

    // MARK: Headers

    /// The ACL a request's headers set: a canned `x-amz-acl`, or exactly the grants of the
    /// `x-amz-grant-*` headers (S3 adds no owner grant to those); nil when it names none.
    static func fromHeaders(_ header: (String) -> String?) throws(S3Error) -> AccessControlList? {
        let canned = header("x-amz-acl")
        var grants: [Grant] = []
        var named = false
        for (name, permission) in grantHeaders {
            guard let value = header(name) else { continue }
            named = true
            for grantee in try parseGrantees(value) { grants.append(Grant(grantee, permission)) }
        }
        if let canned {
            guard !named else { throw S3Error(.invalidRequest, "Specifying both Canned ACLs and Header Grants is not allowed") }
            return try CannedACL.parse(canned.trimmingCharacters(in: .whitespaces)).acl
        }
        return named ? AccessControlList(grants: grants) : nil
    }

    /// `id="…", uri="…", emailAddress="…"`: a comma-separated list of typed grantees.
    static func parseGrantees(_ value: String) throws(S3Error) -> [Grantee] {
        var grantees: [Grantee] = []
        for item in splitOutsideQuotes(value) {
            let trimmed = item.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard let equals = trimmed.firstIndex(of: "=") else {
                throw S3Error(.invalidArgument, "Invalid grant header value: \(trimmed)")
            }
            let type = trimmed[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            var text = trimmed[trimmed.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") { text = String(text.dropFirst().dropLast()) }
            let grantee: Grantee =
                switch type {
                case "id": .canonicalUser(id: text)
                case "uri": .group(uri: text)
                case "emailaddress": .email(text)
                default: throw S3Error(.invalidArgument, "Invalid grantee type \(type) in a grant header")
                }
            try validate(grantee)
            grantees.append(grantee)
        }
        return grantees
    }

    private static func splitOutsideQuotes(_ value: String) -> [String] {
        var items: [String] = []
        var current = ""
        var quoted = false
        for character in value {
            if character == "\"" { quoted.toggle() }
            if character == ",", !quoted {
                items.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        items.append(current)
        return items
    }

    /// S3 refuses a grant to a user or group it does not know. The one user here is the owner,
    /// and it has no e-mail address, so no address resolves to an account.
    static func validate(_ grantee: Grantee) throws(S3Error) {
        switch grantee {
        case .canonicalUser(let id) where id != S3API.ownerID:
            throw S3Error(.invalidArgument, "Invalid id")
        case .group(let uri) where !knownGroups.contains(uri):
            throw S3Error(.invalidArgument, "Invalid group uri")
        case .email:
            throw S3Error(.unresolvableGrantByEmailAddress, "The e-mail address you provided does not match any account on record.")
        default:
            return
        }
    }

    // MARK: AccessControlPolicy

    /// The document Get…Acl answers, in S3's shape (boto3 reads the grantee's kind from
    /// `xsi:type`).
    func policyXML() -> XMLElement {
        let owner = S3XML.element("Owner", children: [S3XML.element("ID", S3API.ownerID), S3XML.element("DisplayName", S3API.ownerName)])
        let list = S3XML.element(
            "AccessControlList",
            children: grants.map { grant in
                S3XML.element("Grant", children: [Self.granteeXML(grant.grantee), S3XML.element("Permission", grant.permission.rawValue)])
            })
        return S3XML.element("AccessControlPolicy", children: [owner, list])
    }

    private static func granteeXML(_ grantee: Grantee) -> XMLElement {
        let type: String
        let children: [XMLElement]
        switch grantee {
        case .canonicalUser(let id):
            type = "CanonicalUser"
            children = [S3XML.element("ID", id), S3XML.element("DisplayName", S3API.ownerName)]
        case .group(let uri):
            type = "Group"
            children = [S3XML.element("URI", uri)]
        case .email(let address):
            type = "AmazonCustomerByEmail"
            children = [S3XML.element("EmailAddress", address)]
        }
        let element = S3XML.element("Grantee", children: children)
        // Written as plain attributes: libxml2 serializes them as named, which is S3's text.
        for (name, value) in [("xmlns:xsi", xsiNamespace), ("xsi:type", type)] {
            if let attribute = XMLNode.attribute(withName: name, stringValue: value) as? XMLNode { element.addAttribute(attribute) }
        }
        return element
    }

    /// Parses a PutBucketAcl/PutObjectAcl body. Not XML at all is `MalformedXML`; XML that is not
    /// an `AccessControlPolicy` S3 would take is `MalformedACLError`, as S3 answers them.
    static func parsePolicy(_ body: [UInt8]) throws(S3Error) -> AccessControlList {
        guard let root = S3XML.parse(body) else {
            throw S3Error(.malformedXML, "The XML you provided was not well-formed or did not validate against our published schema")
        }
        let malformed = S3Error(.malformedACLError, "The XML you provided was not well-formed or did not validate against our published schema")
        guard root.name == "AccessControlPolicy", let list = root.child("AccessControlList") else { throw malformed }
        var grants: [Grant] = []
        for node in list.children(named: "Grant") {
            guard let granteeNode = node.child("Grantee"), let permissionText = node.text("Permission") else { throw malformed }
            guard let permission = Permission(rawValue: permissionText.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw malformed
            }
            let grantee = try parseGrantee(granteeNode, malformed: malformed)
            try validate(grantee)
            grants.append(Grant(grantee, permission))
        }
        // The owner cannot be changed: there is only one. Checked after the grants, so that a
        // grant to an unknown user is `InvalidArgument` whatever the owner says.
        if let owner = root.child("Owner") {
            guard let id = owner.text("ID") else { throw malformed }
            guard id.trimmingCharacters(in: .whitespacesAndNewlines) == S3API.ownerID else { throw S3Error(.accessDenied, "Access Denied") }
        }
        return AccessControlList(grants: grants)
    }

    /// A `Grantee` by its `xsi:type`; without one, by the element it carries.
    private static func parseGrantee(_ node: S3XMLNode, malformed: S3Error) throws(S3Error) -> Grantee {
        let type = node.attributes.first { $0.key == "type" || $0.key.hasSuffix(":type") }?.value
        let id = node.text("ID").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        let uri = node.text("URI").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        let email = node.text("EmailAddress").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        switch type {
        case "CanonicalUser":
            guard let id else { throw malformed }
            return .canonicalUser(id: id)
        case "Group":
            guard let uri else { throw malformed }
            return .group(uri: uri)
        case "AmazonCustomerByEmail":
            guard let email else { throw malformed }
            return .email(email)
        case nil:
            if let id { return .canonicalUser(id: id) }
            if let uri { return .group(uri: uri) }
            if let email { return .email(email) }
            throw malformed
        default:
            throw malformed
        }
    }
}
