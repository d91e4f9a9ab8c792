/// A report's period: civil dates `[from, to)` in the deployment's local time (`settings.utc_offset`), and the
/// epoch-millisecond instants they begin at. Months are civil dates: November is 2026-11-01 to 2026-12-01.
public struct ReportPeriod: Sendable, Hashable, Codable {
    public var from: String
    public var to: String
    public var utcOffsetSeconds: Int
    public var startMillis: Int64
    public var endMillis: Int64

    public var days: Int { Int((endMillis - startMillis) / Self.dayMillis) }

    static let dayMillis: Int64 = 86_400_000

    /// Parses `from` and `to` (`YYYY-MM-DD`); `from` must be before `to`, and the period at most 366 days.
    public init(from: String, to: String, utcOffsetSeconds: Int) throws(ReportError) {
        guard let fromDay = Self.dayNumber(from) else { throw .invalidDate(parameter: "from", value: from) }
        guard let toDay = Self.dayNumber(to) else { throw .invalidDate(parameter: "to", value: to) }
        guard fromDay != toDay else { throw .emptyRange(date: from) }
        guard fromDay < toDay else { throw .fromAfterTo(from: from, to: to) }
        guard toDay - fromDay <= 366 else { throw .rangeTooLong(days: Int(toDay - fromDay)) }
        self.init(fromDay: fromDay, toDay: toDay, utcOffsetSeconds: utcOffsetSeconds)
    }

    init(fromDay: Int64, toDay: Int64, utcOffsetSeconds: Int) {
        self.from = Self.dateText(fromDay)
        self.to = Self.dateText(toDay)
        self.utcOffsetSeconds = utcOffsetSeconds
        let offset = Int64(utcOffsetSeconds) * 1000
        self.startMillis = fromDay * Self.dayMillis - offset
        self.endMillis = toDay * Self.dayMillis - offset
    }

    /// The comparison period just before this one: for whole calendar months (the 1st to a 1st) as many whole
    /// months before (November → October, a quarter → the quarter before: 环比 as a manager reads it);
    /// otherwise the period of equal length just before.
    public var previous: ReportPeriod {
        let fromDay = Self.dayNumber(from)!, toDay = Self.dayNumber(to)!
        let (fromYear, fromMonth, fromDate) = Self.civil(fromDay), (toYear, toMonth, toDate) = Self.civil(toDay)
        if fromDate == 1, toDate == 1 {
            let months = (toYear - fromYear) * 12 + (toMonth - fromMonth)
            let index = fromYear * 12 + (fromMonth - 1) - months
            let start = Self.days(year: Self.floorDiv(index, 12), month: index - Self.floorDiv(index, 12) * 12 + 1, day: 1)
            return ReportPeriod(fromDay: start, toDay: fromDay, utcOffsetSeconds: utcOffsetSeconds)
        }
        return ReportPeriod(fromDay: 2 * fromDay - toDay, toDay: fromDay, utcOffsetSeconds: utcOffsetSeconds)
    }

    /// The last complete calendar month before the local date of `now` (the default period).
    public static func lastMonth(now: Int64, utcOffsetSeconds: Int) -> ReportPeriod {
        let today = floorDiv(now + Int64(utcOffsetSeconds) * 1000, dayMillis)
        let (year, month, _) = civil(today)
        let thisMonth = days(year: year, month: month, day: 1)
        let last = month == 1 ? days(year: year - 1, month: 12, day: 1) : days(year: year, month: month - 1, day: 1)
        return ReportPeriod(fromDay: last, toDay: thisMonth, utcOffsetSeconds: utcOffsetSeconds)
    }

    /// `2026-11-05` of the local day `index` (0 = the first day of the period).
    public func dayText(_ index: Int) -> String {
        Self.dateText(Self.dayNumber(from)! + Int64(index))
    }

    /// Days since 1970-01-01 of a strict `YYYY-MM-DD` date, nil when it is not one (2026-02-30 is not).
    static func dayNumber(_ text: String) -> Int64? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let year = Int64(parts[0]), let month = Int64(parts[1]), let day = Int64(parts[2]),
              (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month) else { return nil }
        return days(year: year, month: month, day: day)
    }

    static func dateText(_ dayNumber: Int64) -> String {
        let (year, month, day) = civil(dayNumber)
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(year)-\(two(month))-\(two(day))"
    }

    private static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Howard Hinnant's days_from_civil.
    private static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDiv(y, 400)
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Howard Hinnant's civil_from_days.
    private static func civil(_ dayNumber: Int64) -> (Int64, Int64, Int64) {
        let z = dayNumber + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }
}
