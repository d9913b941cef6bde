// JSONValidator decides what may reach a function as a payload: it must never crash, and must
// agree with Foundation on what is JSON.
import Foundation
import GustCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let valid = JSONValidator.isValid(bytes)
    // Foundation accepts a few things the validator need not (e.g. a leading BOM); the reverse
    // would let non-JSON through.
    if valid, (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) == nil {
        fatalError("validator accepted what Foundation rejects: \(bytes)")
    }
    return 0
}
