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
        return presented.withUnsafeBytes { a in stored.withUnsafeBytes { b in CRYPTO_memcmp(a.baseAddress, b.baseAddress, a.count) == 0 } }
    }
}

/// Random text from OpenSSL's CSPRNG.
public enum RandomText {
    static let base62Alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)
    static let base64urlAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    public static func bytes(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        precondition(RAND_bytes(&bytes, Int32(count)) == 1, "RAND_bytes failed")
        return bytes
    }

    /// Uniform base62 text (rejection sampling: no modulo bias).
    public static func base62(count: Int) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        while out.count < count {
            for byte in bytes(count * 2) where byte < 248 && out.count < count {
                out.append(base62Alphabet[Int(byte % 62)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Unpadded base64url of `byteCount` random bytes.
    public static func base64url(byteCount: Int) -> String { base64url(bytes(byteCount)) }

    public static func base64url(_ data: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((data.count * 4 + 2) / 3)
        var index = 0
        while index + 2 < data.count {
            let value = UInt32(data[index]) << 16 | UInt32(data[index + 1]) << 8 | UInt32(data[index + 2])
            for shift in [18, 12, 6, 0] { out.append(base64urlAlphabet[Int((value >> UInt32(shift)) & 63)]) }
            index += 3
        }
        let rest = data.count - index
        if rest == 1 {
            let value = UInt32(data[index]) << 16
            out.append(base64urlAlphabet[Int((value >> 18) & 63)])
            out.append(base64urlAlphabet[Int((value >> 12) & 63)])
        } else if rest == 2 {
            let value = UInt32(data[index]) << 16 | UInt32(data[index + 1]) << 8
            for shift in [18, 12, 6] { out.append(base64urlAlphabet[Int((value >> UInt32(shift)) & 63)]) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func isAlphanumeric(_ byte: UInt8) -> Bool { isBase62(byte) }

    static func isBase62(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }
}

/// Passwords that helpdesk products send (they cannot use our long tokens): PBKDF2-HMAC-SHA256 from OpenSSL,
/// stored as "pbkdf2-sha256$<iterations>$<salt b64url>$<hash b64url>". New hashes use OWASP's current figure for
/// PBKDF2-SHA256 (600,000 iterations); a stored hash keeps the count it was made with, so older ones still verify.
public enum PasswordHash {
    public static let iterations = 600_000

    public static func make(_ password: String, iterations: Int = iterations) -> String {
        let salt = RandomText.bytes(16)
        let hash = derive(password, salt: salt, iterations: iterations)
        return "pbkdf2-sha256$\(iterations)$\(RandomText.base64url(salt))$\(RandomText.base64url(hash))"
    }

    /// Whether a stored hash was made with fewer iterations than new ones get (or is not one of ours): after a
    /// successful check it should be replaced by `make` of the same password.
    public static func needsRehash(_ stored: String) -> Bool {
        let parts = stored.split(separator: "$")
        guard parts.count == 4, parts[0] == "pbkdf2-sha256", let count = Int(parts[1]) else { return true }
        return count < iterations
    }

    /// Constant-time check of a password against a stored hash; false for any malformed stored value.
    public static func verify(_ password: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$")
        guard parts.count == 4, parts[0] == "pbkdf2-sha256", let iterations = Int(parts[1]), iterations > 0,
            let salt = Base64URL.decode(String(parts[2])), let expected = Base64URL.decode(String(parts[3]))
        else { return false }
        return SecretToken.matches(derive(password, salt: salt, iterations: iterations), expected)
    }

    static func derive(_ password: String, salt: [UInt8], iterations: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        let bytes = Array(password.utf8)
        bytes.withUnsafeBufferPointer { pass in
            salt.withUnsafeBufferPointer { saltBytes in
                pass.withMemoryRebound(to: CChar.self) { passChars in
                    _ = PKCS5_PBKDF2_HMAC(passChars.baseAddress, Int32(pass.count), saltBytes.baseAddress, Int32(saltBytes.count),
                                          Int32(iterations), EVP_sha256(), Int32(out.count), &out)
                }
            }
        }
        return out
    }
}

enum Base64URL {
    static func decode(_ text: String) -> [UInt8]? {
        var values: [UInt8] = []
        for byte in text.utf8 {
            guard let index = RandomText.base64urlAlphabet.firstIndex(of: byte) else { return nil }
            values.append(UInt8(index))
        }
        var out: [UInt8] = []
        var index = 0
        while index + 3 < values.count {
            let value = UInt32(values[index]) << 18 | UInt32(values[index + 1]) << 12 | UInt32(values[index + 2]) << 6 | UInt32(values[index + 3])
            out += [UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
            index += 4
        }
        let rest = values.count - index
        if rest == 2 {
            out.append(UInt8((UInt32(values[index]) << 2 | UInt32(values[index + 1]) >> 4) & 0xFF))
        } else if rest == 3 {
            let value = UInt32(values[index]) << 18 | UInt32(values[index + 1]) << 12 | UInt32(values[index + 2]) << 6
            out += [UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF)]
        } else if rest == 1 {
            return nil
        }
        return out
    }
}
