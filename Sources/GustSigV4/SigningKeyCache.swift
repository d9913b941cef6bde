import Crypto
import Synchronization

/// Derived signing keys by secret and scope. Bounded: a flood of distinct scopes (a client with a
/// wrong clock, or an attacker) only costs re-derivation, never memory.
final class SigningKeyCache: Sendable {
    private let keys = Mutex<[String: [UInt8]]>([:])
    private static let capacity = 64

    func key(secret: String, date: String, region: String, service: String) -> SymmetricKey {
        let id = "\(date)/\(region)/\(service)/\(SigV4Crypto.sha256Hex(Array(secret.utf8)))"
        if let cached = keys.withLock({ $0[id] }) { return SymmetricKey(data: cached) }
        let derived = SigV4Crypto.signingKey(secret: secret, date: date, region: region, service: service)
        let bytes = derived.withUnsafeBytes { Array($0) }
        keys.withLock { keys in
            if keys.count >= Self.capacity { keys.removeAll() }
            keys[id] = bytes
        }
        return derived
    }
}
