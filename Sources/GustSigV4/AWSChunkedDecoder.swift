// Hand-written: the aws-chunked framing of S3 uploads (SigV4 streaming, signed chunks and
// trailing checksums) is AWS's own and no available library decodes it.

import Crypto
import Foundation

/// Verifies the chain of chunk signatures of a `STREAMING-AWS4-HMAC-SHA256-PAYLOAD` body: each
/// chunk's signature signs its data's SHA-256 and the previous signature, starting from the
/// request's own (the seed).
public struct ChunkSigner: Sendable {
    let mac: HMACKey
    let timestamp: String
    let scope: String
    private(set) var previous: String

    struct HMACKey: @unchecked Sendable {
        // swift-crypto's HMAC is copy-on-write; each use updates its own copy.
        let mac: HMAC<SHA256>
    }

    init(mac: HMAC<SHA256>, timestamp: String, scope: String, seed: String) {
        self.mac = HMACKey(mac: mac)
        self.timestamp = timestamp
        self.scope = scope
        self.previous = seed
    }

    static let emptyHash = SigV4Crypto.sha256Hex([])

    /// Checks one chunk's signature and moves the chain on.
    mutating func verify(chunkHash: String, signature: String) -> Bool {
        let text = "AWS4-HMAC-SHA256-PAYLOAD\n\(timestamp)\n\(scope)\n\(previous)\n\(Self.emptyHash)\n\(chunkHash)"
        let expected = SigV4Crypto.signature(mac: mac.mac, stringToSign: text)
        guard SigV4Crypto.constantTimeEquals(expected, signature.lowercased()) else { return false }
        previous = expected
        return true
    }

    /// Checks the signature over the trailing headers (`…-PAYLOAD-TRAILER`).
    mutating func verifyTrailer(_ trailers: [(name: String, value: String)], signature: String) -> Bool {
        let block = trailers.map { "\($0.name.lowercased()):\($0.value.trimmingCharacters(in: .whitespaces))\n" }.joined()
        let text = "AWS4-HMAC-SHA256-TRAILER\n\(timestamp)\n\(scope)\n\(previous)\n\(SigV4Crypto.sha256Hex(Array(block.utf8)))"
        let expected = SigV4Crypto.signature(mac: mac.mac, stringToSign: text)
        return SigV4Crypto.constantTimeEquals(expected, signature.lowercased())
    }
}

/// Decodes an aws-chunked body as it arrives: `SIZE[;chunk-signature=SIG]\r\n DATA \r\n …
/// 0[;chunk-signature=SIG]\r\n [TRAILER: VALUE\r\n …] \r\n`. Feed it bytes; it returns the data
/// they carried and throws at the first framing or signature error.
public struct AWSChunkedDecoder {
    public enum Failure: Error, Equatable, Sendable {
        case malformed(String)
        case badSignature
        case tooLarge
    }

    private enum State: Sendable {
        case header
        case data(remaining: Int)
        case dataEnd
        case trailers
        case done
    }

    private var state = State.header
    private var line: [UInt8] = []
    private var signer: ChunkSigner?
    private var chunkHash = SHA256()
    private var chunkSignature: String?
    private let requireSignatures: Bool
    public private(set) var trailers: [(name: String, value: String)] = []
    private var trailerSignature: String?
    public private(set) var decodedBytes = 0
    let maxDecodedBytes: Int
    static let maxLine = 4096

    /// `signer` nil: unsigned chunks (`STREAMING-UNSIGNED-PAYLOAD-TRAILER`).
    public init(signer: ChunkSigner?, maxDecodedBytes: Int) {
        self.signer = signer
        self.requireSignatures = signer != nil
        self.maxDecodedBytes = maxDecodedBytes
    }

    public var isDone: Bool {
        if case .done = state { return true }
        return false
    }

    public mutating func feed(_ bytes: [UInt8]) throws(Failure) -> [UInt8] {
        var output: [UInt8] = []
        var index = 0
        while index < bytes.count {
            switch state {
            case .header, .trailers, .dataEnd:
                let byte = bytes[index]
                index += 1
                line.append(byte)
                if line.count > Self.maxLine { throw .malformed("chunk header too long") }
                guard line.count >= 2, line[line.count - 2] == 0x0D, byte == 0x0A else { continue }
                let text = String(decoding: line.dropLast(2), as: UTF8.self)
                line.removeAll(keepingCapacity: true)
                try endOfLine(text)
            case .data(let remaining):
                let take = min(remaining, bytes.count - index)
                let slice = bytes[index..<(index + take)]
                if requireSignatures { chunkHash.update(data: slice) }
                output.append(contentsOf: slice)
                index += take
                decodedBytes += take
                if decodedBytes > maxDecodedBytes { throw .tooLarge }
                state = take == remaining ? .dataEnd : .data(remaining: remaining - take)
                if take == remaining { try verifyChunk() }
            case .done:
                // Bytes after the final empty line: not part of any valid body.
                throw .malformed("data after the final chunk")
            }
        }
        return output
    }

    private mutating func endOfLine(_ text: String) throws(Failure) {
        switch state {
        case .dataEnd:
            guard text.isEmpty else { throw .malformed("chunk data longer than its size") }
            state = .header
        case .header:
            let parts = text.split(separator: ";", maxSplits: 1)
            guard let sizeText = parts.first, sizeText.count <= 16, let size = Int(sizeText, radix: 16), size >= 0 else {
                throw .malformed("bad chunk size")
            }
            chunkSignature = nil
            if parts.count == 2 {
                let extensionText = parts[1]
                guard extensionText.hasPrefix("chunk-signature=") else { throw .malformed("unknown chunk extension") }
                chunkSignature = String(extensionText.dropFirst("chunk-signature=".count))
            }
            if requireSignatures, chunkSignature == nil { throw .badSignature }
            chunkHash = SHA256()
            if size == 0 {
                try verifyChunk()
                state = .trailers
            } else {
                state = .data(remaining: size)
            }
        case .trailers:
            if text.isEmpty {
                try finish()
                return
            }
            guard let colon = text.firstIndex(of: ":") else { throw .malformed("bad trailer") }
            let name = String(text[..<colon]).trimmingCharacters(in: .whitespaces)
            let value = String(text[text.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            if name.lowercased() == "x-amz-trailer-signature" {
                trailerSignature = value
            } else {
                guard trailers.count < 16 else { throw .malformed("too many trailers") }
                trailers.append((name, value))
            }
        case .data, .done:
            break
        }
    }

    private mutating func verifyChunk() throws(Failure) {
        guard requireSignatures, var signer else { return }
        let hash = SigV4Crypto.hex(chunkHash.finalize())
        guard let signature = chunkSignature, signer.verify(chunkHash: hash, signature: signature) else { throw .badSignature }
        self.signer = signer
    }

    private mutating func finish() throws(Failure) {
        if requireSignatures, !trailers.isEmpty {
            guard let trailerSignature, var signer, signer.verifyTrailer(trailers, signature: trailerSignature) else {
                throw .badSignature
            }
            self.signer = signer
        }
        state = .done
    }
}
