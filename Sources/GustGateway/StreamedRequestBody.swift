import Crypto
import Foundation
import GustAWSWire
import GustSigV4
import Hummingbird
import NIOCore
import Synchronization

/// Turns a request body into an `AWSBodyStream` for a streaming service, checking it on the way
/// against what the signature covered: the declared SHA-256 (checked at the end), nothing for
/// `UNSIGNED-PAYLOAD`, or the aws-chunked framing with its chunk signatures (`STREAMING-…`).
enum StreamedRequestBody {
    enum Mode {
        case plain(sha256: String?)
        case chunked(signer: ChunkSigner?)
    }

    /// The mode for a verified request; nil when the payload hash names no form S3 accepts.
    static func mode(payloadHash: String, identity: SigV4Identity, timestamp: String?, verifier: SigV4Verifier) -> Mode? {
        switch payloadHash {
        case "UNSIGNED-PAYLOAD":
            return .plain(sha256: nil)
        case "STREAMING-UNSIGNED-PAYLOAD-TRAILER":
            return .chunked(signer: nil)
        case "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER":
            guard let timestamp, let signer = verifier.chunkSigner(for: identity, timestamp: timestamp) else { return nil }
            return .chunked(signer: signer)
        default:
            let hex = payloadHash.lowercased()
            guard hex.utf8.count == 64, hex.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else {
                return nil
            }
            return .plain(sha256: hex)
        }
    }

    static func make(_ body: RequestBody, mode: Mode, length: Int?, limit: Int) -> AWSBodyStream {
        let reader = Reader(iterator: body.makeAsyncIterator(), mode: mode, limit: limit)
        let stream = AWSBodyStream(length: length, pull: { try await reader.next() })
        reader.stream.withLock { $0 = stream }
        return stream
    }

    /// Pulls the connection's buffers one at a time, for the stream's single reader. The
    /// iterator and the decoding state belong to that reader alone; the lock only satisfies the
    /// compiler that nothing else touches them.
    final class Reader: Sendable {
        private struct State: @unchecked Sendable {
            var iterator: RequestBody.AsyncIterator
            var hash: SHA256?
            var expectedHash: String?
            var decoder: AWSChunkedDecoder?
            var received = 0
            var finished = false
        }

        private let state: Mutex<State>
        private let limit: Int
        let stream = Mutex<AWSBodyStream?>(nil)

        init(iterator: RequestBody.AsyncIterator, mode: Mode, limit: Int) {
            var state = State(iterator: iterator)
            switch mode {
            case .plain(let sha256):
                state.expectedHash = sha256
                if sha256 != nil { state.hash = SHA256() }
            case .chunked(let signer):
                state.decoder = AWSChunkedDecoder(signer: signer, maxDecodedBytes: limit)
            }
            self.state = Mutex(state)
            self.limit = limit
        }

        func next() async throws -> [UInt8]? {
            while true {
                var current = state.withLock { $0 }
                if current.finished { return nil }
                let buffer = try await current.iterator.next()
                let (output, done, trailers): ([UInt8]?, Bool, [(name: String, value: String)]?) = try step(&current, buffer)
                state.withLock { $0 = current }
                if let trailers { stream.withLock { $0 }?.setTrailers(trailers) }
                if let output, !output.isEmpty { return output }
                if done { return nil }
            }
        }

        private func step(_ state: inout State, _ buffer: ByteBuffer?) throws -> ([UInt8]?, Bool, [(name: String, value: String)]?) {
            guard let buffer else {
                state.finished = true
                if let expected = state.expectedHash, let hash = state.hash {
                    let actual = hash.finalize().map { String(format: "%02x", $0) }.joined()
                    guard actual == expected else {
                        throw AWSBodyError(
                            code: "XAmzContentSHA256Mismatch", message: "The provided 'x-amz-content-sha256' header does not match what was computed.")
                    }
                }
                if let decoder = state.decoder {
                    guard decoder.isDone else {
                        throw AWSBodyError(code: "IncompleteBody", message: "The request body ended before its final chunk.")
                    }
                    return (nil, true, decoder.trailers)
                }
                return (nil, true, nil)
            }
            let bytes = Array(buffer: buffer)
            state.received += bytes.count
            if var decoder = state.decoder {
                do {
                    let output = try decoder.feed(bytes)
                    state.decoder = decoder
                    return (output, false, nil)
                } catch .badSignature {
                    throw AWSBodyError(
                        code: "SignatureDoesNotMatch",
                        message: "The request signature we calculated does not match the signature you provided.")
                } catch .tooLarge {
                    throw AWSBodyError(code: "EntityTooLarge", message: "Your proposed upload exceeds the maximum allowed size")
                } catch .malformed(let reason) {
                    throw AWSBodyError(code: "IncompleteBody", message: "The aws-chunked body is malformed: \(reason)")
                }
            }
            guard state.received <= limit else {
                throw AWSBodyError(code: "EntityTooLarge", message: "Your proposed upload exceeds the maximum allowed size")
            }
            state.hash?.update(data: bytes)
            return (bytes, false, nil)
        }
    }
}
