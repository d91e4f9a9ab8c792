import DeviceModel

/// When a rule may raise: a daily time span in local time and a set of days. Spans may cross midnight
/// (`22:00–06:00`: the part after midnight belongs to the day the span started).
public struct ActiveWindow: Sendable, Hashable, Codable {
    /// Minutes after local midnight, 0..<1440. `from == to` means all day.
    public var fromMinute: Int
    public var toMinute: Int
    public var days: DaySet

    public init(fromMinute: Int = 0, toMinute: Int = 0, days: DaySet = .all) {
        self.fromMinute = fromMinute
        self.toMinute = toMinute
        self.days = days
    }

    public func contains(_ millis: Int64, calendar: RuleCalendar) -> Bool {
        let local = calendar.localMinutes(millis)
        let minute = Int(local.minuteOfDay)
        if fromMinute == toMinute { return calendar.matches(days, day: local.day) }
        if fromMinute < toMinute {
            return minute >= fromMinute && minute < toMinute && calendar.matches(days, day: local.day)
        }
        if minute >= fromMinute { return calendar.matches(days, day: local.day) }
        if minute < toMinute { return calendar.matches(days, day: local.day - 1) }
        return false
    }
}

/// Which days a window applies to.
public enum DaySet: Sendable, Hashable, Codable {
    case all
    /// Working days per the calendar: Monday–Friday, minus holidays, plus make-up working days (调休).
    case workdays
    /// The complement of `workdays`.
    case restDays
    /// ISO weekdays, 1 = Monday … 7 = Sunday.
    case weekdays(Set<Int>)
}

/// Local time for rule windows: a fixed UTC offset (China has no daylight saving: +08:00) and the
/// official holiday calendar, given as data. Days are counted from 1970-01-01 in local time.
public struct RuleCalendar: Sendable, Hashable, Codable {
    public var utcOffsetSeconds: Int
    /// Local day numbers (days since 1970-01-01) that are public holidays.
    public var holidays: Set<Int>
    /// Local day numbers of weekend days that are working days (调休).
    public var extraWorkdays: Set<Int>

    public init(utcOffsetSeconds: Int = 8 * 3600, holidays: Set<Int> = [], extraWorkdays: Set<Int> = []) {
        self.utcOffsetSeconds = utcOffsetSeconds
        self.holidays = holidays
        self.extraWorkdays = extraWorkdays
    }

    /// The local day number and minute of day of an instant.
    public func localMinutes(_ millis: Int64) -> (day: Int, minuteOfDay: Int64) {
        let localSeconds = floorDiv(millis, 1000) + Int64(utcOffsetSeconds)
        let day = Int(floorDiv(localSeconds, 86_400))
        let second = localSeconds - Int64(day) * 86_400
        return (day, second / 60)
    }

    /// ISO weekday of a local day number: 1970-01-01 was a Thursday (4).
    public func weekday(_ day: Int) -> Int { ((day % 7) + 7 + 3) % 7 + 1 }

    public func isWorkday(_ day: Int) -> Bool {
        if holidays.contains(day) { return false }
        if extraWorkdays.contains(day) { return true }
        return weekday(day) <= 5
    }

    func matches(_ days: DaySet, day: Int) -> Bool {
        switch days {
        case .all: true
        case .workdays: isWorkday(day)
        case .restDays: !isWorkday(day)
        case let .weekdays(set): set.contains(weekday(day))
        }
    }

    /// Day number of a `YYYY-MM-DD` date (proleptic Gregorian), or `nil`.
    public static func dayNumber(_ text: String) -> Int? {
        let parts = text.split(separator: "-")
        guard parts.count == 3, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              (1...12).contains(m), d >= 1 else { return nil }
        guard d <= CivilDate.daysIn(month: m, year: y) else { return nil }
        return CivilDate.dayNumber(year: y, month: m, day: d)
    }
}

private func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}
