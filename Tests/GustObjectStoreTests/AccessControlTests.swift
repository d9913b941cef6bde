import Foundation
import GustAWSWire
import GustStoreSQLite
import Testing

@testable import GustObjectStore

@Suite struct AccessControlTests {
    typealias Grant = AccessControlList.Grant
    let owner = AccessControlList.Grantee.canonicalUser(id: S3API.ownerID)
    let everyone = AccessControlList.Grantee.group(uri: AccessControlList.allUsers)

    @Test func cannedACLsGrantWhatAWSDocuments() throws {
        #expect(CannedACL.private.acl.grants == [Grant(owner, .fullControl)])
        #expect(CannedACL.publicRead.acl.grants == [Grant(everyone, .read), Grant(owner, .fullControl)])
        #expect(CannedACL.publicReadWrite.acl.grants == [Grant(everyone, .read), Grant(everyone, .write), Grant(owner, .fullControl)])
        #expect(
            CannedACL.authenticatedRead.acl.grants
                == [Grant(.group(uri: AccessControlList.authenticatedUsers), .read), Grant(owner, .fullControl)])
        #expect(
            CannedACL.logDeliveryWrite.acl.grants
                == [
                    Grant(.group(uri: AccessControlList.logDelivery), .write), Grant(.group(uri: AccessControlList.logDelivery), .readACP),
                    Grant(owner, .fullControl),
                ])
        // One account owns bucket and object: the bucket owner's grant is the owner's own.
        #expect(CannedACL.bucketOwnerRead.acl == .private)
        #expect(CannedACL.bucketOwnerFullControl.acl == .private)
        #expect(try CannedACL.parse("public-read") == .publicRead)
        #expect(throws: S3Error.self) { try CannedACL.parse("public") }
        #expect(CannedACL.publicRead.acl.allowsEveryone(.read))
        #expect(!CannedACL.publicRead.acl.allowsEveryone(.write))
        #expect(AccessControlList(grants: [Grant(everyone, .fullControl)]).allowsEveryone(.write))
        #expect(!CannedACL.authenticatedRead.acl.allowsEveryone(.read))
    }

    @Test func policyDocumentsRoundTrip() throws {
        let acl = AccessControlList(grants: [
            Grant(owner, .fullControl), Grant(everyone, .read), Grant(.group(uri: AccessControlList.authenticatedUsers), .writeACP),
        ])
        let document = S3XML.document(acl.policyXML(), namespaced: true)
        let text = String(decoding: document, as: UTF8.self)
        #expect(text.contains("xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\""))
        #expect(text.contains("xsi:type=\"CanonicalUser\""))
        #expect(text.contains("xsi:type=\"Group\""))
        #expect(text.contains("<DisplayName>gust</DisplayName>"))
        #expect(try AccessControlList.parsePolicy(document) == acl)
    }

    @Test func policyDocumentsAreCheckedAsS3ChecksThem() {
        func code(_ body: String) -> S3Error.Code? {
            do {
                _ = try AccessControlList.parsePolicy(Array(body.utf8))
                return nil
            } catch { return error.code }
        }
        #expect(code("<AccessControlPolicy><Owner>") == .malformedXML)
        #expect(code("<Nope/>") == .malformedACLError)
        let unknownUser = """
            <AccessControlPolicy><Owner><ID>\(S3API.ownerID)</ID></Owner><AccessControlList><Grant>\
            <Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>stranger</ID></Grantee>\
            <Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>
            """
        #expect(code(unknownUser) == .invalidArgument)
        // No account has an address: S3's answer for one it cannot resolve.
        let email = AccessControlList(grants: [Grant(.email("someone@example.com"), .read)]).policyXML()
        let emailText = String(decoding: S3XML.document(email, namespaced: true), as: UTF8.self)
        #expect(emailText.contains("xsi:type=\"AmazonCustomerByEmail\"><EmailAddress>someone@example.com</EmailAddress>"))
        #expect(code(emailText) == .unresolvableGrantByEmailAddress)
        let badPermission = """
            <AccessControlPolicy><AccessControlList><Grant><Grantee><URI>\(AccessControlList.allUsers)</URI></Grantee>\
            <Permission>EVERYTHING</Permission></Grant></AccessControlList></AccessControlPolicy>
            """
        #expect(code(badPermission) == .malformedACLError)
    }

    @Test func grantHeadersAndCannedHeaders() throws {
        let headers = [
            "x-amz-grant-read": "uri=\"\(AccessControlList.allUsers)\", id=\"\(S3API.ownerID)\"",
            "x-amz-grant-write-acp": "id=\(S3API.ownerID)",
        ]
        let acl = try AccessControlList.fromHeaders { headers[$0] }
        #expect(acl?.grants == [Grant(everyone, .read), Grant(owner, .read), Grant(owner, .writeACP)])
        #expect(throws: S3Error.self) { try AccessControlList.fromHeaders { $0 == "x-amz-grant-read" ? "emailAddress=\"a@b.c\"" : nil } }
        #expect(try AccessControlList.fromHeaders { $0 == "x-amz-acl" ? "public-read" : nil } == CannedACL.publicRead.acl)
        #expect(try AccessControlList.fromHeaders { _ in nil } == nil)
        #expect(throws: S3Error.self) { try AccessControlList.fromHeaders { $0 == "x-amz-grant-read" ? "id=\"stranger\"" : nil } }
        #expect(throws: S3Error.self) {
            try AccessControlList.fromHeaders { ["x-amz-acl": "private", "x-amz-grant-read": "uri=\"\(AccessControlList.allUsers)\""][$0] }
        }
    }

    @Test func aclsAreStoredWithBucketsObjectsAndUploads() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("gust-acl-\(UUID().uuidString)").path
        let store = try SQLiteStore(path: root + ".sqlite")
        let service = ObjectService(store: store, backend: try FileBackend(root: root))
        try await service.createBucket("bkt", acl: CannedACL.publicRead.acl)
        #expect(try await service.bucket("bkt").acl == CannedACL.publicRead.acl)
        try await store.setBucketACL(CannedACL.publicReadWrite.acl, bucket: "bkt")
        #expect(try await service.bucket("bkt").acl == CannedACL.publicReadWrite.acl)
        var options = ObjectService.WriteOptions()
        options.acl = CannedACL.authenticatedRead.acl
        _ = try await service.put(bucket: "bkt", key: "k", body: AsyncStream { $0.yield([1]); $0.finish() }, options: options)
        #expect(try await service.object(bucket: "bkt", key: "k").acl == CannedACL.authenticatedRead.acl)
        try await service.setACL(bucket: "bkt", key: "k", acl: .private)
        #expect(try await service.object(bucket: "bkt", key: "k").acl == .private)
        let upload = try await service.createUpload(bucket: "bkt", key: "m", options: options)
        #expect(try await store.upload(id: upload.uploadID)?.acl == CannedACL.authenticatedRead.acl)
    }

    /// Unsigned requests are S3's unless they have Lambda's, Gust's or SQS's form.
    @Test func unsignedRequestsAreS3sUnlessAnotherAPIsForm() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("gust-unsigned-\(UUID().uuidString)").path
        let api = S3API(objects: ObjectService(store: try SQLiteStore(path: root + ".sqlite"), backend: try FileBackend(root: root)))
        #expect(api.servesAnonymous)
        let none: (String) -> String? = { _ in nil }
        #expect(api.matchesUnsigned(method: "GET", path: "/bkt/k", query: nil, header: none))
        #expect(api.matchesUnsigned(method: "GET", path: "/", query: nil, header: none))
        #expect(api.matchesUnsigned(method: "PUT", path: "/bkt/2015-03-31/k", query: nil, header: none))
        for path in ["/2015-03-31/functions", "/2021-10-31/functions/f/url", "/gust/v1/health", "/2019-09-25/functions/f/event-invoke-config"] {
            #expect(!api.matchesUnsigned(method: "GET", path: path, query: nil, header: none))
        }
        #expect(!api.matchesUnsigned(method: "POST", path: "/", query: nil) { $0 == "X-Amz-Target" ? "AmazonSQS.ListQueues" : nil })
        #expect(!api.matchesUnsigned(method: "GET", path: "/123/q", query: "Action=ReceiveMessage", header: none))
    }
}
