import Crypto
import Synchronization

/// Keyed HMACs by secret and scope. A signing key changes once a day per key and scope; deriving
/// one costs four HMACs, and keying an HMAC with it two more hash blocks, so both are kept.
/// Bounded: a flood of distinct scopes (a client with a wrong clock, or an attacker) only costs
/// re-derivation, never memory.
final class SigningKeyCache: Sendable {
    private let macs = Mutex<[String: Keyed]>([:])
    private static let capacity = 64

    func mac(secret: String, date: String, region: String, service: String) -> HMAC<SHA256> {
        // The secret is part of the id (rather than a digest of it): it is in memory already, and
        // hashing it cost as much as the lookup saves.
        let id = date + "/" + region + "/" + service + "/" + secret
        if let cached = macs.withLock({ $0[id] }) { return cached.mac }
        let keyed = Keyed(
            mac: HMAC<SHA256>(key: SigV4Crypto.signingKey(secret: secret, date: date, region: region, service: service)))
        macs.withLock { macs in
            if macs.count >= Self.capacity { macs.removeAll() }
            macs[id] = keyed
        }
        return keyed.mac
    }

    /// swift-crypto's hash state is copy-on-write (`isKnownUniquelyReferenced` before every
    /// update), and the cached value is never updated itself: each caller updates its own copy.
    private struct Keyed: @unchecked Sendable {
        let mac: HMAC<SHA256>
    }
}
