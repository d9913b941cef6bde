// gust.yaml: parsed by `gust deploy` from the user's directory. Any input must end in a manifest
// or an error message, never a crash.
import Foundation

@testable import GustCommands

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = try? Manifest.parse(Data(bytes: data, count: size), path: "gust.yaml")
    return 0
}
