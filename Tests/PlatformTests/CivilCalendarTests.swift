import Platform
import Testing

@Suite("CivilCalendar")
struct CivilCalendarTests {
    @Test("known days: the epoch, a leap day, the year 2000 rule, before the epoch, year 0 (1 BC)")
    func knownDays() {
        #expect(CivilCalendar.days(fromCivil: 1970, 1, 1) == 0)
        #expect(CivilCalendar.days(fromCivil: 2024, 2, 29) == 19_782)
        #expect(CivilCalendar.days(fromCivil: 2000, 3, 1) - CivilCalendar.days(fromCivil: 2000, 2, 28) == 2)
        #expect(CivilCalendar.days(fromCivil: 1900, 3, 1) - CivilCalendar.days(fromCivil: 1900, 2, 28) == 1)
        #expect(CivilCalendar.days(fromCivil: 1969, 12, 31) == -1)
        #expect(CivilCalendar.civil(fromDays: -719_528) == (0, 1, 1))
        #expect(CivilCalendar.civil(fromDays: 19_782) == (2024, 2, 29))
    }

    @Test("days → date → days is the identity over ±3 million days (8,000 years each way)")
    func roundTrip() {
        var days: Int64 = -3_000_000
        var previous = CivilCalendar.civil(fromDays: days - 1)
        var wrong: [Int64] = []
        while days <= 3_000_000 {
            let date = CivilCalendar.civil(fromDays: days)
            // Consecutive days: the next day of the month, or the 1st of the next month.
            let follows = date.day == previous.day + 1 || (date.day == 1 && date.month == previous.month % 12 + 1)
            if CivilCalendar.days(fromCivil: date.year, date.month, date.day) != days || !follows { wrong.append(days) }
            previous = date
            days += 1
        }
        #expect(wrong.isEmpty, "first wrong days: \(wrong.prefix(5))")
    }
}
