/// HTTP Basic credentials (RFC 7617): `Authorization: Basic base64(user ":" password)`, as CIOPulse clients
/// (portal code and API key) and Sirportly data sources send them.
public struct BasicCredentials: Sendable, Equatable {
    public let user: String
    public let password: String

    /// The credentials of a request; nil when there is not exactly one Authorization field holding Basic
    /// credentials (scheme in any case, base64 with or without padding, valid UTF-8, a colon).
    public init?(_ headers: HeaderFields) {
        let fields = headers.values(for: "Authorization")
        guard fields.count == 1 else { return nil }
        self.init(authorization: fields[0])
    }

    public init?(authorization: String) {
        let value = authorization.trimmingASCIISpaces()
        guard let space = value.firstIndex(where: { $0 == " " || $0 == "\t" }),
            value[..<space].lowercased() == "basic",
            let decoded = Self.base64(value[space...].trimmingASCIISpaces()),
            let text = String(validating: decoded, as: UTF8.self),
            let colon = text.firstIndex(of: ":")
        else { return nil }
        user = String(text[..<colon])
        password = String(text[text.index(after: colon)...])
    }

    public init(user: String, password: String) {
        self.user = user
        self.password = password
    }

    /// Standard base64 (RFC 4648 §4); padding optional, nothing else allowed.
    static func base64(_ text: String) -> [UInt8]? {
        var bytes = Array(text.utf8)
        while bytes.last == UInt8(ascii: "=") { bytes.removeLast() }
        guard !bytes.isEmpty, bytes.count % 4 != 1, text.utf8.count - bytes.count <= 2 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 3 / 4)
        var buffer: UInt32 = 0, bits = 0
        for byte in bytes {
            let value: UInt32
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = UInt32(byte - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = UInt32(byte - UInt8(ascii: "a")) + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt32(byte - UInt8(ascii: "0")) + 52
            case UInt8(ascii: "+"): value = 62
            case UInt8(ascii: "/"): value = 63
            default: return nil
            }
            buffer = buffer << 6 | value
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
            }
        }
        return out
    }
}
