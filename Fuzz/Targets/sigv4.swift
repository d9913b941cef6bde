// The SigV4 verifier parses what a client sends: the Authorization header, or a presigned URL's
// query. Input lines: path, query, Authorization value, X-Amz-Date value (any may be missing).
// Signatures never match; what is fuzzed is every parse before the comparison.
import Foundation
import GustSigV4

let verifier = SigV4Verifier(credentials: { $0 == "AKIDEXAMPLE" ? "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" : nil })
let now = Date(timeIntervalSince1970: 1_440_938_160)  // 20150830T123600Z

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let lines = text.split(separator: "\n", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
    func line(_ i: Int) -> String? { i < lines.count ? lines[i] : nil }
    var headers: [(name: String, value: String)] = [("host", "example.amazonaws.com")]
    if let auth = line(2), !auth.isEmpty { headers.append(("Authorization", auth)) }
    if let date = line(3) { headers.append(("X-Amz-Date", date)) }
    let request = SigV4Request(
        method: "GET", rawPath: line(0) ?? "/", rawQuery: line(1), headers: headers, body: Array("body".utf8))
    _ = verifier.verify(request, now: now)
    _ = verifier.preflight(request, now: now)
    return 0
}
