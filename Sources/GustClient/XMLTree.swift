import Foundation

#if canImport(FoundationXML)
import FoundationXML
#endif

/// An S3 XML document as the client reads and writes it: elements by local name, a leaf's text,
/// no attributes (S3's documents carry none but the namespace). Its own small tree rather than
/// the server's (`GustObjectStore`): the client does not depend on the server's modules. Parsed
/// with `XMLParser`, not `XMLDocument`, which leaks its libxml2 tree on Linux (docs/s3.md).
public struct XMLTree: Equatable, Sendable {
    public var name: String
    /// A leaf's text; ignored (and not written) for an element with children.
    public var text: String
    public var children: [XMLTree]

    public init(_ name: String, _ text: String = "", children: [XMLTree] = []) {
        self.name = name
        self.text = text
        self.children = children
    }

    public func child(_ name: String) -> XMLTree? { children.first { $0.name == name } }
    public func children(named name: String) -> [XMLTree] { children.filter { $0.name == name } }
    public func text(_ name: String) -> String? { child(name)?.text }

    /// The document in `bytes`; nil when it is not well-formed.
    public static func parse(_ bytes: [UInt8]) -> XMLTree? {
        guard !bytes.isEmpty, String(validating: bytes, as: UTF8.self) != nil else { return nil }
        let parser = XMLParser(data: Data(bytes))
        let builder = Builder()
        parser.delegate = builder
        parser.shouldProcessNamespaces = true
        guard parser.parse() else { return nil }
        return builder.root
    }

    /// The document, with S3's namespace on the root element.
    public func document(namespace: String? = "http://s3.amazonaws.com/doc/2006-03-01/") -> [UInt8] {
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
        write(to: &out, namespace: namespace)
        return Array(out.utf8)
    }

    private func write(to out: inout String, namespace: String?) {
        out += "<\(name)"
        if let namespace { out += " xmlns=\"\(Self.escape(namespace))\"" }
        out += ">"
        if children.isEmpty {
            out += Self.escape(text)
        } else {
            for child in children { child.write(to: &out, namespace: nil) }
        }
        out += "</\(name)>"
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(character)
            }
        }
        return out
    }

    private final class Builder: NSObject, XMLParserDelegate {
        private var stack: [XMLTree] = []
        var root: XMLTree?

        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            // Answers come from the server the user named, but a deep one still should not cost a deep stack.
            guard stack.count < 32 else { return parser.abortParsing() }
            stack.append(XMLTree(elementName))
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            guard !stack.isEmpty else { return }
            stack[stack.count - 1].text += string
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
            guard var node = stack.popLast() else { return }
            // The whitespace between a pretty-printed element's children is not its text.
            if !node.children.isEmpty { node.text = "" }
            if stack.isEmpty {
                root = node
            } else {
                stack[stack.count - 1].children.append(node)
            }
        }
    }
}
