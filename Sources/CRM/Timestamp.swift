/// `created_since`, `received_since` and similar parameters (read and admin API): an RFC 3339 date-time ("2024-05-01T08:30:00Z",
/// "2024-05-01T15:30:00.250+07:00") or a full date ("2024-05-01", midnight UTC). Checked here so that PostgreSQL
/// never sees a value it cannot read.
public enum Timestamp {
    /// The text as PostgreSQL should read it (a date becomes midnight UTC, whatever the session's time zone), or nil
    /// when it is not a valid date-time or date.
    public static func instant(_ text: String) -> String? {
        guard isValid(text) else { return nil }
        return text.utf8.count == 10 ? text + "T00:00:00Z" : text
    }

    /// What a bad value is told.
    public static let problem = "must be an RFC 3339 date-time or a date (YYYY-MM-DD)"

    public static func isValid(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count >= 10, let year = number(bytes, 0, 4), year >= 1, bytes[4] == 0x2D, let month = number(bytes, 5, 2),
            bytes[7] == 0x2D, let day = number(bytes, 8, 2), (1...12).contains(month), day >= 1,
            day <= daysIn(month: month, year: year)
        else { return false }
        if bytes.count == 10 { return true }
        guard bytes.count >= 20, bytes[10] == 0x54 || bytes[10] == 0x74, let hour = number(bytes, 11, 2), hour < 24,
            bytes[13] == 0x3A, let minute = number(bytes, 14, 2), minute < 60, bytes[16] == 0x3A,
            let second = number(bytes, 17, 2), second < 60
        else { return false }
        var index = 19
        if bytes[index] == 0x2E {
            index += 1
            let start = index
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            guard index > start, index - start <= 9 else { return false }
        }
        guard index < bytes.count else { return false }
        if bytes[index] == 0x5A || bytes[index] == 0x7A { return index + 1 == bytes.count }
        // PostgreSQL takes offsets up to ±15:59 (real ones stay within ±14:00).
        guard bytes[index] == 0x2B || bytes[index] == 0x2D, bytes.count == index + 6,
            let offsetHours = number(bytes, index + 1, 2),
            offsetHours <= 15, bytes[index + 3] == 0x3A, let offsetMinutes = number(bytes, index + 4, 2), offsetMinutes < 60
        else { return false }
        return true
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private static func number(_ bytes: [UInt8], _ start: Int, _ count: Int) -> Int? {
        guard start + count <= bytes.count else { return nil }
        var value = 0
        for byte in bytes[start..<(start + count)] {
            guard isDigit(byte) else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
