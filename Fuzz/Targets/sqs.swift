// SQS's hand-written parsing: the query protocol's form body (`Action=…&Attribute.1.Name=…`) and
// its translation to the JSON protocol's input, the JSON input's message attributes and their
// MD5 (AWS's byte layout), receipt handles and redrive policies. The first line is the form
// body; the rest, a JSON document, a receipt handle and a redrive policy, one per line.
import GustAWSWire

@testable import GustQueue

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let lines = bytes.split(separator: UInt8(ascii: "\n"), maxSplits: 3, omittingEmptySubsequences: false).map(Array.init)
    func line(_ i: Int) -> [UInt8] { i < lines.count ? lines[i] : [] }
    let request = AWSRequest(
        method: "POST", path: "/", headers: [("content-type", "application/x-www-form-urlencoded")], body: line(0),
        host: "localhost", caller: AWSCaller(accessKey: "AK", region: "us-east-1"))
    if let parameters = SQSQueryProtocol.parameters(request), let action = parameters["Action"] {
        _ = SQSQueryProtocol.input(parameters, action: action, queueURL: nil)
    }
    if let object = try? SQSWire.object(line(1)) {
        if let attributes = try? SQSWire.messageAttributes(object, "MessageAttributes") {
            _ = MessageMD5.attributes(attributes)
            _ = SQSWire.wire(attributes)
        }
        _ = try? SQSWire.entries(object, "Entries")
        _ = try? SQSWire.stringMap(object, "Attributes")
    }
    _ = try? ReceiptHandle(parsing: String(decoding: line(2), as: UTF8.self))
    _ = try? RedrivePolicy(parsing: String(decoding: line(3), as: UTF8.self))
    return 0
}
