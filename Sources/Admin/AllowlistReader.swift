import CRM
import HTTPServer
import JSON

/// Reads an array of addresses / CIDR ranges into canonical network form, naming each bad entry.
public enum AllowlistReader {
    public static func read(_ reader: inout FieldReader, _ key: String) -> [String]? {
        guard let value = reader.object[key] else { return nil }
        if value.isNull { return [] }
        guard let list = value.arrayValue else {
            reader.errors.append(FieldError(key, "must be an array of addresses or CIDR ranges"))
            return nil
        }
        var ranges: [String] = []
        for (index, element) in list.enumerated() {
            if let text = element.stringValue, let range = CIDR(text) {
                ranges.append(range.description)
            } else {
                reader.errors.append(FieldError("\(key)[\(index)]", "is not an IPv4/IPv6 address or CIDR range"))
            }
        }
        return ranges
    }
}
