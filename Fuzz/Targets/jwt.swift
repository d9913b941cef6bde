// JWT parsing and verification on routes with `auth: jwt`: the token is the client's. Both an
// HS256 and an RS256 route are tried, so every header, claim and signature parse is reached.
import Foundation
import GustCore
import GustHTTP

let hs = RouteAuth(kind: .jwt, issuer: "https://issuer.example", audience: ["gust"], secret: "fuzz-secret")
let rs = RouteAuth(
    kind: .jwt, issuer: "https://issuer.example", audience: ["gust"],
    publicKey: """
        -----BEGIN PUBLIC KEY-----
        MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo
        4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u
        +qKhbwKfBstIs+bMY2Zkp18gnTxKLxoS2tFczGkPLPgizskuemMghRniWaoLcyeh
        kd3qqGElvW/VDL5AaWTg0nLVkjRo9z+40RQzuVaE8AkAFmxZzow3x+VJYKdjykkJ
        0iT9wCS0DRTXu269V264Vf/3jvredZiKRkgwlL9xNAwxXFg0x/XFw005UWVRIkdg
        cKWTjpBP2dPwVZ4WWC+9aGVd+Gyn1o0CLelf4rEjGoXbAAEgAqeGUxrcIlbjXfbc
        mwIDAQAB
        -----END PUBLIC KEY-----
        """)
let now = Date(timeIntervalSince1970: 1_700_000_000)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let token = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    _ = JWTVerifier.verify(token, auth: hs, now: now)
    _ = JWTVerifier.verify(token, auth: rs, now: now)
    return 0
}
