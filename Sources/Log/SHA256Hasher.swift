import COpenSSL

/// SHA-256 through OpenSSL's libcrypto, its state held inline: hashing allocates nothing.
/// Used for the hash chain of every log line and for the rules' digest.
public struct SHA256Hasher {
    private var context = SHA256_CTX()

    public init() {
        // SHA256_Init, _Update and _Final return 1; they cannot fail on a valid context.
        _ = SHA256_Init(&context)
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        _ = SHA256_Update(&context, bytes.baseAddress, bytes.count)
    }

    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Writes the 32-byte digest into `digest` (at least 32 bytes). The hasher is spent.
    public mutating func finalize(into digest: UnsafeMutableRawBufferPointer) {
        precondition(digest.count >= 32)
        _ = SHA256_Final(digest.baseAddress!.assumingMemoryBound(to: UInt8.self), &context)
    }

    /// The digest as 64 lower-case hex digits.
    public mutating func finalizeHex() -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        digest.withUnsafeMutableBytes { finalize(into: $0) }
        let hex = Array("0123456789abcdef".utf8)
        return String(decoding: digest.flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 0xF)]] }, as: UTF8.self)
    }
}
