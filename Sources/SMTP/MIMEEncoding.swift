/// The encodings a mail message needs (RFC 2045 base64, RFC 2047 encoded-words), without Foundation.
public enum MIMEEncoding {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Padded standard base64.
    public static func base64(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let b0 = UInt32(bytes[index])
            let b1 = index + 1 < bytes.count ? UInt32(bytes[index + 1]) : 0
            let b2 = index + 2 < bytes.count ? UInt32(bytes[index + 2]) : 0
            let value = b0 << 16 | b1 << 8 | b2
            out.append(alphabet[Int(value >> 18 & 63)])
            out.append(alphabet[Int(value >> 12 & 63)])
            out.append(index + 1 < bytes.count ? alphabet[Int(value >> 6 & 63)] : UInt8(ascii: "="))
            out.append(index + 2 < bytes.count ? alphabet[Int(value & 63)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Base64 in lines of 76 characters joined by CRLF (RFC 2045 §6.8).
    public static func base64Lines(_ bytes: [UInt8]) -> String {
        let text = Array(base64(bytes).utf8)
        var lines: [String] = []
        var start = 0
        while start < text.count {
            let end = min(start + 76, text.count)
            lines.append(String(decoding: text[start..<end], as: UTF8.self))
            start = end
        }
        return lines.joined(separator: "\r\n")
    }

    /// A header value: unchanged when it is printable ASCII, else RFC 2047 `=?UTF-8?B?…?=` words of at most
    /// 75 characters, split between characters (never inside one), separated by CRLF SP (folding).
    public static func headerValue(_ text: String) -> String {
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return text }
        var words: [String] = []
        var current: [UInt8] = []
        // 75 - "=?UTF-8?B?" - "?=" = 63 characters of base64: 45 bytes.
        for character in text {
            let bytes = Array(String(character).utf8)
            if current.count + bytes.count > 45 {
                words.append("=?UTF-8?B?\(base64(current))?=")
                current = []
            }
            current += bytes
        }
        if !current.isEmpty { words.append("=?UTF-8?B?\(base64(current))?=") }
        return words.joined(separator: "\r\n ")
    }

    /// A display name for From/Reply-To: a quoted string when ASCII (quotes and backslashes escaped), else
    /// encoded-words.
    public static func displayName(_ name: String) -> String {
        if name.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            return "\"" + name.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"") + "\""
        }
        return headerValue(name)
    }
}
