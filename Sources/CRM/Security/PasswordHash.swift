import COpenSSL

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
                    _ = PKCS5_PBKDF2_HMAC(
                        passChars.baseAddress, Int32(pass.count), saltBytes.baseAddress, Int32(saltBytes.count),
                        Int32(iterations), EVP_sha256(), Int32(out.count), &out)
                }
            }
        }
        return out
    }
}
