import FoundationEssentials
import Platform

/// Calendar conversions for timestamptz text, in UTC, without Foundation's formatters (slow on Linux).
enum PostgresDateFormat {
    static func format(_ date: Date) -> String {
        let interval = date.timeIntervalSince1970
        var seconds = Int64(interval.rounded(.down))
        var micros = Int64(((interval - Double(seconds)) * 1_000_000).rounded())
        if micros >= 1_000_000 {
            seconds += 1
            micros -= 1_000_000
        }
        let (days, secondOfDay) = floorDivide(seconds, 86_400)
        let (year, month, day) = CivilCalendar.civil(fromDays: days)
        let hour = secondOfDay / 3600
        let minute = secondOfDay % 3600 / 60
        let second = secondOfDay % 60
        // Year 0 is 1 BC, year -1 is 2 BC (PostgreSQL writes the era after the zone).
        let era = year <= 0 ? " BC" : ""
        let displayYear = year <= 0 ? 1 - year : year
        let text =
            "\(pad(displayYear, 4))-\(pad(month, 2))-\(pad(day, 2)) \(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2))"
        return text + ".\(pad(micros, 6))+00" + era
    }

    /// Reads timestamptz, timestamp and date output in the ISO DateStyle (which every connection sets):
    /// `2026-11-23 07:39:00.123456+00`, `… +05:30`, `… -03:00:15`, `2026-11-23`, `infinity`, `… BC`.
    /// A value without a zone is taken as UTC.
    static func parse(_ text: String) -> Date? {
        if text == "infinity" { return .distantFuture }
        if text == "-infinity" { return .distantPast }
        var bytes = Array(text.utf8)
        var bc = false
        if bytes.count > 3, bytes.suffix(3) == Array(" BC".utf8) {
            bc = true
            bytes.removeLast(3)
        }
        var index = 0
        func digits(min: Int, max: Int) -> Int64? {
            var value: Int64 = 0
            var count = 0
            while index < bytes.count, count < max, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                value = value * 10 + Int64(bytes[index] - 0x30)
                index += 1
                count += 1
            }
            return count >= min ? value : nil
        }
        func expect(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }
        guard var year = digits(min: 4, max: 9), expect(UInt8(ascii: "-")), let month = digits(min: 2, max: 2),
            expect(UInt8(ascii: "-")), let day = digits(min: 2, max: 2), (1...12).contains(month),
            (1...31).contains(day)
        else { return nil }
        if bc { year = 1 - year }
        var secondOfDay: Int64 = 0
        var micros: Int64 = 0
        var offset: Int64 = 0
        if index < bytes.count {
            guard expect(UInt8(ascii: " ")) || expect(UInt8(ascii: "T")), let hour = digits(min: 2, max: 2),
                expect(UInt8(ascii: ":")), let minute = digits(min: 2, max: 2), expect(UInt8(ascii: ":")),
                let second = digits(min: 2, max: 2), hour <= 24, minute < 60, second < 61
            else { return nil }
            secondOfDay = hour * 3600 + minute * 60 + second
            if expect(UInt8(ascii: ".")) {
                let start = index
                guard let fraction = digits(min: 1, max: 6) else { return nil }
                micros = fraction
                for _ in (index - start)..<6 { micros *= 10 }
                while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
            }
            if expect(UInt8(ascii: "Z")) {
                offset = 0
            } else if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                let sign: Int64 = bytes[index] == UInt8(ascii: "-") ? -1 : 1
                index += 1
                guard let hours = digits(min: 2, max: 2) else { return nil }
                var minutes: Int64 = 0
                var seconds: Int64 = 0
                if expect(UInt8(ascii: ":")) {
                    guard let value = digits(min: 2, max: 2) else { return nil }
                    minutes = value
                    if expect(UInt8(ascii: ":")) {
                        guard let value = digits(min: 2, max: 2) else { return nil }
                        seconds = value
                    }
                }
                offset = sign * (hours * 3600 + minutes * 60 + seconds)
            }
            guard index == bytes.count else { return nil }
        }
        let days = CivilCalendar.days(fromCivil: year, month, day)
        let epochSeconds = days * 86_400 + secondOfDay - offset
        return Date(timeIntervalSince1970: Double(epochSeconds) + Double(micros) / 1_000_000)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        let quotient = value >= 0 ? value / divisor : (value - divisor + 1) / divisor
        return (quotient, value - quotient * divisor)
    }
}
