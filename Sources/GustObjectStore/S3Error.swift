import Foundation
import GustAWSWire

#if canImport(FoundationXML)
import FoundationXML
#endif

/// An S3 error: its code, HTTP status and message, answered as S3's XML
/// (`<Error><Code>…</Code><Message>…</Message><Resource>…</Resource><RequestId>…</RequestId></Error>`).
public struct S3Error: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, CaseIterable {
        case accessDenied = "AccessDenied"
        case badDigest = "BadDigest"
        case bucketAlreadyOwnedByYou = "BucketAlreadyOwnedByYou"
        case bucketNotEmpty = "BucketNotEmpty"
        case entityTooLarge = "EntityTooLarge"
        case entityTooSmall = "EntityTooSmall"
        case internalError = "InternalError"
        case invalidAccessKeyId = "InvalidAccessKeyId"
        case invalidArgument = "InvalidArgument"
        case invalidBucketName = "InvalidBucketName"
        case invalidDigest = "InvalidDigest"
        case invalidPart = "InvalidPart"
        case invalidPartOrder = "InvalidPartOrder"
        case invalidRange = "InvalidRange"
        case invalidRequest = "InvalidRequest"
        case keyTooLong = "KeyTooLongError"
        case malformedXML = "MalformedXML"
        case malformedACLError = "MalformedACLError"
        case unexpectedContent = "UnexpectedContent"
        case unresolvableGrantByEmailAddress = "UnresolvableGrantByEmailAddress"
        case methodNotAllowed = "MethodNotAllowed"
        case missingContentLength = "MissingContentLength"
        case noSuchBucket = "NoSuchBucket"
        case noSuchKey = "NoSuchKey"
        case noSuchUpload = "NoSuchUpload"
        case notImplemented = "NotImplemented"
        case notModified = "NotModified"
        case preconditionFailed = "PreconditionFailed"
        case signatureDoesNotMatch = "SignatureDoesNotMatch"
        case requestTimeTooSkewed = "RequestTimeTooSkewed"
        case contentSHA256Mismatch = "XAmzContentSHA256Mismatch"
        case missingSecurityHeader = "MissingSecurityHeader"
        case noSuchTagSet = "NoSuchTagSet"
        case invalidTag = "InvalidTag"
        case incompleteBody = "IncompleteBody"
        case malformedPOSTRequest = "MalformedPOSTRequest"
        case invalidPolicyDocument = "InvalidPolicyDocument"
    }

    public let code: Code
    public let message: String
    /// What the error is about: `/bucket` or `/bucket/key`.
    public var resource: String?

    public init(_ code: Code, _ message: String, resource: String? = nil) {
        self.code = code
        self.message = message
        self.resource = resource
    }

    public var description: String { "\(code.rawValue): \(message)" }

    public var status: Int {
        switch code {
        case .accessDenied, .invalidAccessKeyId, .signatureDoesNotMatch, .requestTimeTooSkewed: 403
        case .noSuchBucket, .noSuchKey, .noSuchUpload, .noSuchTagSet: 404
        case .methodNotAllowed: 405
        case .bucketAlreadyOwnedByYou, .bucketNotEmpty: 409
        case .missingContentLength: 411
        case .preconditionFailed: 412
        case .invalidRange: 416
        case .internalError: 500
        case .notImplemented: 501
        case .notModified: 304
        default: 400
        }
    }

    public func response(requestID: String = AWSRequestID.make()) -> AWSResponse {
        // A HEAD answer and a 304 have no body: the status says it all.
        guard code != .notModified else { return AWSResponse(status: 304, headers: [("x-amz-request-id", requestID)], body: []) }
        let root = XMLElement(name: "Error")
        root.addChild(XMLElement(name: "Code", stringValue: code.rawValue))
        root.addChild(XMLElement(name: "Message", stringValue: message))
        if let resource { root.addChild(XMLElement(name: "Resource", stringValue: resource)) }
        root.addChild(XMLElement(name: "RequestId", stringValue: requestID))
        return AWSResponse(
            status: status, headers: [("Content-Type", "application/xml"), ("x-amz-request-id", requestID)],
            body: S3XML.document(root))
    }

    public static func noSuchBucket(_ bucket: String) -> S3Error {
        S3Error(.noSuchBucket, "The specified bucket does not exist", resource: "/\(bucket)")
    }

    public static func noSuchKey(_ bucket: String, _ key: String) -> S3Error {
        S3Error(.noSuchKey, "The specified key does not exist.", resource: "/\(bucket)/\(key)")
    }

    public static func internalError(_ detail: String) -> S3Error {
        S3Error(.internalError, "We encountered an internal error. Please try again. (\(detail))")
    }
}

/// XML documents as S3 writes them, through Foundation's XML support (libxml2) rather than by hand.
enum S3XML {
    static let namespace = "http://s3.amazonaws.com/doc/2006-03-01/"

    static func document(_ root: XMLElement, namespaced: Bool = false) -> [UInt8] {
        if namespaced, let attribute = XMLNode.attribute(withName: "xmlns", stringValue: namespace) as? XMLNode {
            root.addAttribute(attribute)
        }
        let document = XMLDocument(rootElement: root)
        document.version = "1.0"
        document.characterEncoding = "UTF-8"
        return Array(document.xmlString.utf8)
    }

    static func element(_ name: String, _ value: String) -> XMLElement { XMLElement(name: name, stringValue: value) }

    static func element(_ name: String, children: [XMLElement]) -> XMLElement {
        let element = XMLElement(name: name)
        for child in children { element.addChild(child) }
        return element
    }

    /// Parses a request body; nil when it is not well-formed XML. Through `XMLParser` rather than
    /// `XMLDocument`: on Linux every `XMLDocument(data:)` leaks its libxml2 tree (about 7 KB a
    /// parse, measured), which a server parsing each DeleteObjects body cannot afford.
    static func parse(_ body: [UInt8]) -> S3XMLNode? {
        // FoundationXML traps on a name that is not UTF-8 (found by the `s3` fuzz target), and S3's
        // documents are UTF-8: anything else is malformed before libxml2 sees it.
        guard !body.isEmpty, String(validating: body, as: UTF8.self) != nil else { return nil }
        let parser = XMLParser(data: Data(body))
        let builder = S3XMLTreeBuilder()
        parser.delegate = builder
        parser.shouldProcessNamespaces = true
        guard parser.parse(), let root = builder.root else { return nil }
        return root
    }
}

/// An element of a parsed request document: its local name, its text, its child elements.
struct S3XMLNode: Sendable {
    var name: String
    var text = ""
    /// By qualified name (`xsi:type`).
    var attributes: [String: String] = [:]
    var elements: [S3XMLNode] = []

    func children(named name: String) -> [S3XMLNode] { elements.filter { $0.name == name } }
    func child(_ name: String) -> S3XMLNode? { elements.first { $0.name == name } }
    func text(_ name: String) -> String? { child(name)?.text }
}

/// Builds `S3XMLNode`s from `XMLParser`'s events. Documents are capped in depth and size by the
/// caller's body limit; the depth here keeps a hostile nesting from costing a deep stack.
final class S3XMLTreeBuilder: NSObject, XMLParserDelegate {
    private var stack: [S3XMLNode] = []
    private(set) var root: S3XMLNode?
    static let maxDepth = 32

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        guard stack.count < Self.maxDepth else {
            parser.abortParsing()
            return
        }
        stack.append(S3XMLNode(name: elementName, attributes: attributes))
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        guard !stack.isEmpty else { return }
        stack[stack.count - 1].text += string
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        guard let node = stack.popLast() else { return }
        if stack.isEmpty {
            root = node
        } else {
            stack[stack.count - 1].elements.append(node)
        }
    }
}
