import COpenSSL

/// Secrets shown once and stored only as hashes: "<prefix>_<lookup id>_<secret>".
///
/// The lookup id (12 base62 characters) finds the row without revealing anything; the secret (32 random
/// bytes, base64url) is compared by its SHA-256 in constant time. 256 bits of randomness: a fast hash is
/// enough, no KDF is needed for secrets that cannot be guessed.
public struct SecretToken: Sendable, Equatable {
    public let prefix: String
    public let lookupID: String
    public let secret: String

    public var text: String { "\(prefix)_\(lookupID)_\(secret)" }
    public var secretHash: [UInt8] { Self.hash(secret) }

    /// A new random token.
    public static func generate(prefix: String) -> SecretToken {
        SecretToken(prefix: prefix, lookupID: RandomText.base62(count: 12), secret: RandomText.base64url(byteCount: 32))
    }

    /// Splits a presented token; nil when it does not have the shape of one with this prefix.
    public static func parse(_ text: String, prefix: String) -> SecretToken? {
        guard text.hasPrefix(prefix + "_") else { return nil }
        // The lookup id is base62 (no "_"); the secret is base64url and may itself contain "_".
        let parts = text.dropFirst(prefix.count + 1).split(separator: "_", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].utf8.count == 12, parts[1].utf8.count >= 32,
            parts[0].utf8.allSatisfy(RandomText.isBase62)
        else { return nil }
        return SecretToken(prefix: prefix, lookupID: String(parts[0]), secret: String(parts[1]))
    }

    public static func hash(_ secret: String) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let bytes = Array(secret.utf8)
        bytes.withUnsafeBytes { raw in _ = EVP_Digest(raw.baseAddress, raw.count, &digest, &length, EVP_sha256(), nil) }
        return digest
    }

    /// Constant-time comparison of two hashes.
    public static func matches(_ presented: [UInt8], _ stored: [UInt8]) -> Bool {
        guard presented.count == stored.count, !stored.isEmpty else { return false }
        return presented.withUnsafeBytes { a in
            stored.withUnsafeBytes { b in CRYPTO_memcmp(a.baseAddress, b.baseAddress, a.count) == 0 }
        }
    }
}
