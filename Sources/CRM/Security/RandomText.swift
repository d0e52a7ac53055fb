import COpenSSL

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
