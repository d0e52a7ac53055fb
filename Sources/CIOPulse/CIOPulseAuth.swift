import CRM
import HTTPServer

/// HTTP Basic credentials (RFC 7617): `Authorization: Basic base64(user ":" password)`. For the CIOPulse API the
/// user is the Client Portal Code and the password the 40-character API key (ciopulse-contacts-api.txt,
/// "Authentication").
struct BasicCredentials: Sendable, Equatable {
    let user: String
    let password: String

    /// The credentials of a request; nil when there is not exactly one Authorization field holding Basic
    /// credentials (scheme in any case, base64 with or without padding, valid UTF-8, a colon).
    init?(_ headers: HeaderFields) {
        let fields = headers.values(for: "Authorization")
        guard fields.count == 1 else { return nil }
        self.init(authorization: fields[0])
    }

    init?(authorization: String) {
        let value = authorization.trimmingCharacters(in: " \t")
        guard let space = value.firstIndex(where: { $0 == " " || $0 == "\t" }),
            value[..<space].lowercased() == "basic",
            let decoded = Self.base64(value[space...].trimmingCharacters(in: " \t")),
            let text = String(validating: decoded, as: UTF8.self),
            let colon = text.firstIndex(of: ":")
        else { return nil }
        user = String(text[..<colon])
        password = String(text[text.index(after: colon)...])
    }

    init(user: String, password: String) {
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

/// Who may use a portal once its credentials matched: callers inside its IP allowlist (when it has one; "If you
/// have setup IP address security in the CIOPulse Portal, the IP address of the server making the API call must be
/// included in your list of valid IP addresses"), while its org is active.
enum CIOPulseAccess {
    /// Portal codes are 1–64 letters, digits, '-' or '_' (as the admin API stores them): anything else cannot match.
    static func isPortalCode(_ text: String) -> Bool {
        (1...64).contains(text.utf8.count) && text.utf8.allSatisfy { RandomText.isAlphanumeric($0) || $0 == 0x2D || $0 == 0x5F }
    }

    static func refusal(_ opened: CIOPulseStore.Opened, client: IPAddress?) -> CIOPulseError? {
        if !opened.ipAllowlist.isEmpty {
            let ranges = opened.ipAllowlist.compactMap(CIDR.init)
            guard let client, ranges.containsAddress(client) else { return .notAllowed(client?.description ?? "unknown") }
        }
        return opened.orgStatus == .active ? nil : .suspended
    }
}
