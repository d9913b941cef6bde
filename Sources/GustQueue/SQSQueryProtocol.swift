import Foundation
import GustAWSWire

/// SQS's older query protocol (form-encoded `Action=…`, XML answers), as botocore before 1.31 and
/// older SDKs speak it. It is a translation at the edge: parameters become the JSON protocol's
/// input, the JSON output becomes XML, and everything between is `SQSJSONAPI`'s.
enum SQSQueryProtocol {
    /// `Action` and the flat parameters of a query-protocol request (form body and URL query).
    static func parameters(_ request: AWSRequest) -> [String: String]? {
        var parameters: [String: String] = [:]
        for text in [request.query ?? "", String(decoding: request.body, as: UTF8.self)] {
            for pair in text.split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let decode = { (part: Substring) in
                    part.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(part)
                }
                parameters[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
            }
        }
        return parameters["Action"] == nil ? nil : parameters
    }

    /// The JSON protocol's input for the flat parameters: `Attribute.N.Name/Value` maps, `…Name.N`
    /// lists, `MessageAttribute.N.Value.*`, and batch entries `…RequestEntry.N.*`.
    static func input(_ parameters: [String: String], action: String, queueURL: String?) -> [String: Any] {
        var tree: [String: Any] = [:]
        for (key, value) in parameters where key != "Action" && key != "Version" {
            let path = key.split(separator: ".", omittingEmptySubsequences: false)
            // SQS's deepest names have six parts (`…RequestEntry.N.MessageAttribute.N.Value.StringValue`).
            // Deeper ones are no SQS parameter, and building them would recurse once per part.
            guard path.count <= maxNameParts else { continue }
            insert(value, at: path.map(String.init)[...], into: &tree)
        }
        var input = convert(tree, action: action)
        if input["QueueUrl"] == nil, let queueURL { input["QueueUrl"] = queueURL }
        return input
    }

    static let maxNameParts = 8

    private static func insert(_ value: String, at path: ArraySlice<String>, into node: inout [String: Any]) {
        guard let head = path.first else { return }
        if path.count == 1 {
            node[head] = value
            return
        }
        var child = node[head] as? [String: Any] ?? [:]
        insert(value, at: path.dropFirst(), into: &child)
        node[head] = child
    }

    private static let lists = [
        "AttributeName": "AttributeNames", "MessageAttributeName": "MessageAttributeNames",
        "MessageSystemAttributeName": "MessageSystemAttributeNames", "TagKey": "TagKeys",
    ]

    private static func convert(_ node: [String: Any], action: String) -> [String: Any] {
        var result: [String: Any] = [:]
        for (key, value) in node {
            let items = ordered(value)
            switch key {
            case _ where lists[key] != nil:
                result[lists[key]!] = items.compactMap { $0 as? String }
            case "Attribute":
                result["Attributes"] = pairs(items, key: "Name", value: "Value")
            case "Tag":
                result[action == "CreateQueue" ? "tags" : "Tags"] = pairs(items, key: "Key", value: "Value")
            case "MessageAttribute", "MessageSystemAttribute":
                var attributes: [String: Any] = [:]
                for case let item as [String: Any] in items {
                    if let name = item["Name"] as? String { attributes[name] = item["Value"] as? [String: Any] ?? [:] }
                }
                result[key + "s"] = attributes
            case _ where key.hasSuffix("BatchRequestEntry"):
                result["Entries"] = items.compactMap { ($0 as? [String: Any]).map { convert($0, action: action) } }
            default:
                result[key] = value
            }
        }
        return result
    }

    /// The members of a flattened list (`X.1`, `X.2`, …) in index order.
    private static func ordered(_ value: Any) -> [Any] {
        guard let members = value as? [String: Any] else { return [value] }
        return members.compactMap { key, value in Int(key).map { ($0, value) } }.sorted { $0.0 < $1.0 }.map(\.1)
    }

    private static func pairs(_ items: [Any], key: String, value: String) -> [String: String] {
        var map: [String: String] = [:]
        for case let item as [String: Any] in items {
            if let name = item[key] as? String { map[name] = item[value] as? String ?? "" }
        }
        return map
    }

    // MARK: Answers

    static let namespace = "http://queue.amazonaws.com/doc/2012-11-05/"

    static func response(_ action: String, _ output: [String: Any], requestID: String = AWSRequestID.make()) -> AWSResponse {
        var xml = "<?xml version=\"1.0\"?><\(action)Response xmlns=\"\(namespace)\"><\(action)Result>"
        for key in output.keys.sorted() { element(key, output[key]!, action: action, into: &xml) }
        xml += "</\(action)Result><ResponseMetadata><RequestId>\(requestID)</RequestId></ResponseMetadata></\(action)Response>"
        return AWSResponse(status: 200, headers: [("Content-Type", "text/xml"), ("x-amzn-RequestId", requestID)], body: Array(xml.utf8))
    }

    static func error(_ error: QueueError) -> AWSResponse {
        let requestID = AWSRequestID.make()
        let xml =
            "<?xml version=\"1.0\"?><ErrorResponse xmlns=\"\(namespace)\"><Error><Type>\(error.status >= 500 ? "Receiver" : "Sender")</Type>"
            + "<Code>\(escape(error.queryCode ?? error.code.rawValue))</Code><Message>\(escape(error.message))</Message><Detail/></Error>"
            + "<RequestId>\(requestID)</RequestId></ErrorResponse>"
        return AWSResponse(status: error.status, headers: [("Content-Type", "text/xml"), ("x-amzn-RequestId", requestID)], body: Array(xml.utf8))
    }

    private static func element(_ key: String, _ value: Any, action: String, into xml: inout String) {
        switch (key, value) {
        case ("QueueUrls", let urls as [String]), ("queueUrls", let urls as [String]):
            for url in urls { xml += "<QueueUrl>\(escape(url))</QueueUrl>" }
        case ("Attributes", let map as [String: String]):
            for name in map.keys.sorted() { xml += "<Attribute><Name>\(escape(name))</Name><Value>\(escape(map[name]!))</Value></Attribute>" }
        case ("Tags", let map as [String: String]):
            for name in map.keys.sorted() { xml += "<Tag><Key>\(escape(name))</Key><Value>\(escape(map[name]!))</Value></Tag>" }
        case ("MessageAttributes", let map as [String: Any]):
            for name in map.keys.sorted() {
                xml += "<MessageAttribute><Name>\(escape(name))</Name><Value>"
                for (field, text) in (map[name] as? [String: Any] ?? [:]).sorted(by: { $0.key < $1.key }) {
                    xml += "<\(field)>\(escape("\(text)"))</\(field)>"
                }
                xml += "</Value></MessageAttribute>"
            }
        case ("Messages", let messages as [[String: Any]]):
            for message in messages { wrap("Message", message, action: action, into: &xml) }
        case ("Successful", let entries as [[String: Any]]):
            for entry in entries { wrap("\(action)ResultEntry", entry, action: action, into: &xml) }
        case ("Failed", let entries as [[String: Any]]):
            for entry in entries { wrap("BatchResultErrorEntry", entry, action: action, into: &xml) }
        case (_, let flag as Bool):
            xml += "<\(key)>\(flag)</\(key)>"
        default:
            xml += "<\(key)>\(escape("\(value)"))</\(key)>"
        }
    }

    private static func wrap(_ name: String, _ object: [String: Any], action: String, into xml: inout String) {
        xml += "<\(name)>"
        for key in object.keys.sorted() { element(key, object[key]!, action: action, into: &xml) }
        xml += "</\(name)>"
    }

    private static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "\r": escaped += "&#xD;"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }
}
