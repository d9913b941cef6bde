// JSONValidator decides what may reach a function as a payload: it must never crash, and must
// agree with Foundation on what is JSON.
import Foundation
import GustCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let valid = JSONValidator.isValid(bytes)
    // What it accepts must be UTF-8, and JSON to Foundation too, except numbers out of a
    // Double's range (RFC 8259 §6 leaves the range to implementations; Foundation refuses them).
    if valid {
        precondition(String(validating: bytes, as: UTF8.self) != nil, "validator accepted invalid UTF-8: \(bytes)")
        let exponent = bytes.contains(UInt8(ascii: "e")) || bytes.contains(UInt8(ascii: "E"))
        if !exponent, (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) == nil {
            fatalError("validator accepted what Foundation rejects: \(bytes)")
        }
    }
    return 0
}
