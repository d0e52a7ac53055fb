import Platform

/// A day of the proleptic Gregorian calendar, validated (no 31 February).
public struct CalendarDate: Sendable, Equatable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1, day <= Self.days(inMonth: month, year: year) else {
            return nil
        }
        self.year = year
        self.month = month
        self.day = day
    }

    static func days(inMonth month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01.
    var daysSinceEpoch: Int {
        Int(CivilCalendar.days(fromCivil: Int64(year), Int64(month), Int64(day)))
    }

    public var description: String {
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }
}

/// A moment in time, as milliseconds since 1970-01-01T00:00:00Z.
public struct Instant: Sendable, Equatable {
    public let milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    /// "1993-01-01T00:00:00.000Z".
    public var iso8601: String {
        let day = utcDate?.description ?? "0000-00-00"
        let millisOfDay = Int(((milliseconds % 86_400_000) + 86_400_000) % 86_400_000)
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        let seconds = millisOfDay / 1000
        return
            "\(day)T\(pad(seconds / 3600, 2)):\(pad(seconds / 60 % 60, 2)):\(pad(seconds % 60, 2)).\(pad(millisOfDay % 1000, 3))Z"
    }

    init(date: CalendarDate, seconds: Int, offsetSeconds: Int, millis: Int = 0) {
        milliseconds = (Int64(date.daysSinceEpoch) * 86_400 + Int64(seconds - offsetSeconds)) * 1000 + Int64(millis)
    }

    /// The UTC calendar day of this moment.
    var utcDate: CalendarDate? {
        let days = (milliseconds >= 0 ? milliseconds : milliseconds - 86_399_999) / 86_400_000
        let civil = CivilCalendar.civil(fromDays: days)
        return CalendarDate(year: Int(civil.year), month: Int(civil.month), day: Int(civil.day))
    }
}
