/// Escaping for text and attribute values written into XML (and HTML, which shares the five entities).
public enum XMLEscaping {
    /// Escapes `&`, `<`, `>`, `"` and `'`: safe in element content and in either kind of quoted attribute.
    /// Characters XML 1.0 cannot carry at all (C0 controls other than tab, LF and CR) are dropped.
    public static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            case "\t", "\n", "\r": result.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF { continue }
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
