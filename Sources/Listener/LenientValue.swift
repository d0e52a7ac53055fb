import CRM
import JSON

/// Values as real listener senders send them (crm-listener-webhook.txt samples): dates in four spellings,
/// numbers as strings, countries as a string or an object, tags as a comma string.
public enum LenientValue {
    /// A calendar date (dateOfBirth): ISO 8601 date or date-time, "YYYY-MM-DD", JavaScript `Date.toString()`
    /// ("Fri Jan 01 1993 00:00:00 GMT+0700 (ICT)") or epoch milliseconds. The date is the one written in the
    /// sender's own offset, not shifted to UTC: a birthday must not move by a day.
    public static func calendarDate(_ value: JSONValue) -> CalendarDate? {
        if let millis = value.doubleValue { return Instant(milliseconds: Int64(millis)).utcDate }
        guard let text = value.stringValue?.trimmingCharacters(in: " ") else { return nil }
        if let millis = Int64(text), text.count >= 10 { return Instant(milliseconds: millis).utcDate }
        if let date = isoPrefix(text) { return date }
        if let (date, _) = javaScriptDate(text) { return date }
        return nil
    }

    /// A moment (closeDate, custom date fields): epoch milliseconds, ISO 8601 with offset (UTC when absent),
    /// "YYYY-MM-DD" (midnight UTC) or JavaScript `Date.toString()`.
    public static func instant(_ value: JSONValue) -> Instant? {
        if let millis = value.doubleValue, millis.isFinite { return Instant(milliseconds: Int64(millis)) }
        guard let text = value.stringValue?.trimmingCharacters(in: " ") else { return nil }
        if let millis = Int64(text), text.count >= 10 { return Instant(milliseconds: millis) }
        if let (date, offset) = javaScriptDate(text) {
            return Instant(date: date, seconds: offset.time, offsetSeconds: offset.zone)
        }
        return isoInstant(text)
    }

    /// An integer sent as a number or a numeric string (gender, type, status), within `allowed`.
    public static func integer(_ value: JSONValue, allowed: ClosedRange<Int>) -> Int? {
        if let number = value.intValue { return allowed.contains(number) ? number : nil }
        if let text = value.stringValue?.trimmingCharacters(in: " "), let number = Int(text) {
            return allowed.contains(number) ? number : nil
        }
        return nil
    }

    /// "VN" or {"code": "VN", "name": "Viet Nam"}.
    public static func country(_ value: JSONValue) -> (code: String?, name: String?)? {
        if let text = value.stringValue?.trimmingCharacters(in: " ") {
            guard !text.isEmpty else { return nil }
            return text.count == 2 && text.allSatisfy({ $0.isLetter }) ? (text.uppercased(), nil) : (nil, text)
        }
        guard let object = value.objectValue else { return nil }
        let code = object["code"]?.stringValue.map { $0.uppercased() }
        let name = object["name"]?.stringValue
        return code == nil && name == nil ? nil : (code, name)
    }

    /// "tag_1, tag_2" or ["tag_1", "tag_2"]: trimmed, empty ones dropped, duplicates (any case) once.
    public static func tags(_ value: JSONValue) -> [String] {
        let parts: [String]
        if let text = value.stringValue {
            parts = text.split(separator: ",").map { String($0) }
        } else if let list = value.arrayValue {
            parts = list.compactMap(\.stringValue)
        } else {
            return []
        }
        var seen = Set<String>()
        return parts.map { $0.trimmingCharacters(in: " \t") }.filter { !$0.isEmpty && seen.insert($0.lowercased()).inserted }
    }

    /// Checkbox custom field values: "Dog|Cat".
    public static func choices(_ text: String) -> [String] {
        text.split(separator: "|").map { String($0).trimmingCharacters(in: " ") }.filter { !$0.isEmpty }
    }

    // MARK: Parsing

    static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// "YYYY-MM-DD" at the start of an ISO date or date-time.
    static func isoPrefix(_ text: String) -> CalendarDate? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 10, bytes[4] == 0x2D, bytes[7] == 0x2D,
            let year = number(bytes[0..<4]), let month = number(bytes[5..<7]), let day = number(bytes[8..<10])
        else { return nil }
        if bytes.count > 10 && bytes[10] != UInt8(ascii: "T") && bytes[10] != UInt8(ascii: " ") { return nil }
        return CalendarDate(year: year, month: month, day: day)
    }

    static func isoInstant(_ text: String) -> Instant? {
        guard let date = isoPrefix(text) else { return nil }
        let bytes = Array(text.utf8)
        guard bytes.count > 10 else { return Instant(date: date, seconds: 0, offsetSeconds: 0) }
        guard bytes.count >= 19, bytes[13] == 0x3A, bytes[16] == 0x3A,
            let hour = number(bytes[11..<13]), let minute = number(bytes[14..<16]), let second = number(bytes[17..<19]),
            hour < 24, minute < 60, second < 61
        else { return nil }
        var index = 19
        var millis = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            var scale = 100
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                millis += Int(bytes[index] - 0x30) * scale
                scale /= 10
                index += 1
            }
        }
        var offset = 0
        if index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "Z"), UInt8(ascii: "z"):
                index += 1
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                guard let parsed = zoneOffset(Array(bytes[index...])) else { return nil }
                offset = parsed.seconds
                index += parsed.length
            default:
                return nil
            }
        }
        guard index == bytes.count else { return nil }
        return Instant(date: date, seconds: hour * 3600 + minute * 60 + second, offsetSeconds: offset, millis: millis)
    }

    /// "Fri Jan 01 1993 00:00:00 GMT+0700 (ICT)".
    static func javaScriptDate(_ text: String) -> (CalendarDate, (time: Int, zone: Int))? {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count >= 5, let monthIndex = months.firstIndex(of: parts[1].lowercased()),
            let day = Int(parts[2]), let year = Int(parts[3])
        else { return nil }
        let clock = parts[4].split(separator: ":")
        guard clock.count == 3, let hour = Int(clock[0]), let minute = Int(clock[1]), let second = Int(clock[2]) else {
            return nil
        }
        var zone = 0
        if parts.count >= 6, parts[5].hasPrefix("GMT") {
            guard let parsed = zoneOffset(Array(parts[5].dropFirst(3).utf8)) else { return nil }
            zone = parsed.seconds
        }
        let date = CalendarDate(year: year, month: monthIndex + 1, day: day)
        guard let date else { return nil }
        return (date, (hour * 3600 + minute * 60 + second, zone))
    }

    /// "+0700", "+07:00", "-05" → seconds east of UTC, and the bytes read.
    static func zoneOffset(_ bytes: [UInt8]) -> (seconds: Int, length: Int)? {
        guard let sign = bytes.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-"), bytes.count >= 3,
            let hours = number(bytes[1..<3])
        else { return nil }
        var minutes = 0
        var length = 3
        if bytes.count >= 6, bytes[3] == 0x3A, let value = number(bytes[4..<6]) {
            minutes = value
            length = 6
        } else if bytes.count >= 5, let value = number(bytes[3..<5]) {
            minutes = value
            length = 5
        }
        guard hours <= 14, minutes < 60 else { return nil }
        let seconds = (hours * 3600 + minutes * 60) * (sign == UInt8(ascii: "-") ? -1 : 1)
        return (seconds, length)
    }

    static func number(_ bytes: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for byte in bytes {
            guard byte >= 0x30 && byte <= 0x39 else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return bytes.isEmpty ? nil : value
    }
}
