import DeviceModel

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
        Int64(CivilDate.daysIn(month: Int(month), year: Int(year)))
    }

    private static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        Int64(CivilDate.dayNumber(year: Int(year), month: Int(month), day: Int(day)))
    }

    private static func civil(_ dayNumber: Int64) -> (Int64, Int64, Int64) {
        let date = CivilDate.date(dayNumber: Int(dayNumber))
        return (Int64(date.year), Int64(date.month), Int64(date.day))
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }
}
