import COpenSSL

#if canImport(Glibc)
    import Glibc
#endif

/// Standard Webhooks signatures (standardwebhooks.com, "Signature scheme"): a secret is `whsec_` + base64 of random
/// bytes; a message is signed as `v1,` + base64(HMAC-SHA256(key, "{webhook-id}.{webhook-timestamp}.{body}")); the
/// `webhook-signature` header holds one or more signatures separated by spaces (two while a rotated secret overlaps).
public enum WebhookSignature {
    public static let secretPrefix = "whsec_"
    /// How far a webhook-timestamp may be from now, either way, before a request is stale (the spec's 5 minutes).
    public static let tolerance: Int64 = 300

    /// Seconds since 1970, the unit of webhook-timestamp.
    public static func now() -> Int64 { Int64(time(nil)) }

    /// A new secret: `whsec_` and base64 of 24 random bytes.
    public static func newSecret() -> String { secretPrefix + base64(RandomText.bytes(24)) }

    /// The HMAC key of a `whsec_` secret; nil when it is not one.
    public static func key(of secret: String) -> [UInt8]? {
        guard secret.hasPrefix(secretPrefix) else { return nil }
        guard let key = decodeBase64(String(secret.dropFirst(secretPrefix.count))), key.count >= 16, key.count <= 64 else {
            return nil
        }
        return key
    }

    /// `v1,` and the signature of one message.
    public static func sign(id: String, timestamp: Int64, body: [UInt8], key: [UInt8]) -> String {
        "v1," + base64(mac(id: id, timestamp: String(timestamp), body: body, key: key))
    }

    /// Why a request's signature was refused.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case missing(String)
        case malformedTimestamp
        case stale(seconds: Int64)
        case mismatch

        public var description: String {
            switch self {
            case .missing(let header): "the \(header) header is missing"
            case .malformedTimestamp: "webhook-timestamp is not a number of seconds since 1970"
            case .stale(let seconds):
                "webhook-timestamp is \(seconds) seconds from the server's clock (at most \(tolerance) allowed)"
            case .mismatch: "no v1 signature in webhook-signature matches the body with this listener's secret"
            }
        }
    }

    /// Checks the three headers against `body` and any of `keys`; `now` is seconds since 1970.
    public static func verify(
        id: String?, timestamp: String?, signatures: String?, body: [UInt8], keys: [[UInt8]], now: Int64
    ) -> Failure? {
        guard let id, !id.isEmpty else { return .missing("webhook-id") }
        guard let timestamp, !timestamp.isEmpty else { return .missing("webhook-timestamp") }
        guard let signatures, !signatures.isEmpty else { return .missing("webhook-signature") }
        guard timestamp.utf8.count <= 12, timestamp.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let seconds = Int64(timestamp)
        else {
            return .malformedTimestamp
        }
        let skew = seconds > now ? seconds - now : now - seconds
        if skew > tolerance { return .stale(seconds: skew) }
        let expected = keys.map { mac(id: id, timestamp: timestamp, body: body, key: $0) }
        for candidate in signatures.split(separator: " ") {
            guard candidate.hasPrefix("v1,"), let presented = decodeBase64(String(candidate.dropFirst(3))), presented.count == 32
            else { continue }
            for mac in expected where equal(mac, presented) { return nil }
        }
        return .mismatch
    }

    static func mac(id: String, timestamp: String, body: [UInt8], key: [UInt8]) -> [UInt8] {
        let message = Array("\(id).\(timestamp).".utf8) + body
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 32
        _ = HMAC(EVP_sha256(), key, Int32(key.count), message, message.count, &out, &length)
        return out
    }

    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.count == b.count
            && a.withUnsafeBytes { x in b.withUnsafeBytes { y in CRYPTO_memcmp(x.baseAddress, y.baseAddress, x.count) == 0 } }
    }

    /// Standard base64 with padding.
    public static func base64(_ bytes: [UInt8]) -> String {
        var text = RandomText.base64url(bytes).replacing("-", with: "+").replacing("_", with: "/")
        while text.utf8.count % 4 != 0 { text += "=" }
        return text
    }

    static func decodeBase64(_ text: String) -> [UInt8]? {
        let trimmed = text.hasSuffix("==") ? String(text.dropLast(2)) : text.hasSuffix("=") ? String(text.dropLast()) : text
        guard !trimmed.contains("-"), !trimmed.contains("_") else { return nil }
        return Base64URL.decode(trimmed.replacing("+", with: "-").replacing("/", with: "_"))
    }
}
