// JSONValidator decides what may reach a function as a payload: it must never crash, and must
// agree with Foundation on what is JSON.
import Foundation
import GustCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let valid = JSONValidator.isValid(bytes)
    // What it accepts must be UTF-8, and JSON to Foundation too, except numbers out of a
    // Double's range (RFC 8259 §6 leaves the range to implementations) and escaped surrogates,
    // paired or not (§8.2: the grammar allows a lone one; Python and Node accept it, Foundation
    // does not).
    if valid {
        precondition(String(validating: bytes, as: UTF8.self) != nil, "validator accepted invalid UTF-8: \(bytes)")
        let exponent = bytes.contains(UInt8(ascii: "e")) || bytes.contains(UInt8(ascii: "E"))
        // A plain integer of more than 308 digits is beyond a Double too.
        if !exponent, longestDigitRun(bytes) <= 308, !escapesASurrogate(bytes), (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) == nil {
            fatalError("validator accepted what Foundation rejects: \(bytes)")
        }
    }
    return 0
}

/// `\uD800`–`\uDFFF` anywhere.
func escapesASurrogate(_ bytes: [UInt8]) -> Bool {
    guard bytes.count >= 4 else { return false }
    for i in 0..<(bytes.count - 3) where bytes[i] == UInt8(ascii: "\\") && bytes[i + 1] == UInt8(ascii: "u") {
        if bytes[i + 2] | 0x20 == UInt8(ascii: "d"), (UInt8(ascii: "8")...UInt8(ascii: "9")).contains(bytes[i + 3])
            || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(bytes[i + 3] | 0x20)
        {
            return true
        }
    }
    return false
}

func longestDigitRun(_ bytes: [UInt8]) -> Int {
    var longest = 0
    var run = 0
    for byte in bytes {
        run = (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? run + 1 : 0
        longest = max(longest, run)
    }
    return longest
}
