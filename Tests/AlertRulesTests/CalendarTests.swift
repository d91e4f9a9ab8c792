import AlertRules
import DeviceModel
import Testing

@Suite("Rule calendar and active windows")
struct CalendarTests {
    @Test("day numbers of dates", arguments: [
        ("1970-01-01", 0 as Int?),
        ("1970-01-02", 1),
        ("1969-12-31", -1),
        ("2000-02-29", 11_016),
        ("2000-03-01", 11_017),
        ("2024-02-29", 19_782),
        ("2026-03-02", 20_514),
        ("2026-10-01", 20_727),
        ("2026-10-10", 20_736),
        ("2026-13-01", nil),
        ("2026-00-10", nil),
        ("2026-10-32", nil),
        ("2026/10/01", nil),
        ("2026-10", nil),
        ("", nil),
    ])
    func dayNumber(_ text: String, _ day: Int?) {
        #expect(RuleCalendar.dayNumber(text) == day)
    }

    @Test(
        "dates that do not exist have no day number",
        arguments: ["2026-02-29", "2026-02-30", "2026-04-31", "2100-02-29"]
    )
    func impossibleDates(_ text: String) {
        #expect(RuleCalendar.dayNumber(text) == nil)
    }

    @Test("ISO weekdays: 1970-01-01 was a Thursday", arguments: [
        (0, 4), (1, 5), (2, 6), (3, 7), (4, 1), (6, 3), (7, 4),
        (-1, 3), (-3, 1), (-4, 7), (-7, 4), (-8, 3), (-700, 4),
        (20_514, 1),  // 2026-03-02 Monday
        (20_727, 4),  // 2026-10-01 Thursday
        (20_736, 6),  // 2026-10-10 Saturday
        (20_737, 7),  // 2026-10-11 Sunday
    ])
    func weekday(_ day: Int, _ iso: Int) {
        #expect(RuleCalendar().weekday(day) == iso)
    }

    @Test("local day and minute use the UTC offset")
    func localMinutes() {
        let china = RuleCalendar(utcOffsetSeconds: 8 * 3600)
        // 1970-01-01 16:00 UTC is 1970-01-02 00:00 at +08:00.
        #expect(china.localMinutes(16 * 3_600_000) == (1, 0))
        #expect(china.localMinutes(16 * 3_600_000 - 1) == (0, 1439))
        #expect(RuleCalendar(utcOffsetSeconds: 0).localMinutes(16 * 3_600_000) == (0, 960))
        // Before the epoch: floor, not truncation.
        #expect(RuleCalendar(utcOffsetSeconds: 0).localMinutes(-1) == (-1, 1439))
        #expect(china.localMinutes(Fixture.local("2026-03-02", 10, 30)) == (20_514, 630))
    }

    static let holidays = RuleCalendar(
        holidays: Set(["2026-10-01", "2026-10-02", "2026-10-05"].compactMap(RuleCalendar.dayNumber)),
        extraWorkdays: Set(["2026-10-10"].compactMap(RuleCalendar.dayNumber))
    )

    @Test("workdays: Monday–Friday minus holidays plus make-up days", arguments: [
        ("2026-09-28", true),   // Monday
        ("2026-10-01", false),  // Thursday, National Day
        ("2026-10-02", false),  // Friday, holiday
        ("2026-10-03", false),  // Saturday
        ("2026-10-05", false),  // Monday, holiday
        ("2026-10-09", true),   // Friday
        ("2026-10-10", true),   // Saturday, make-up working day (调休)
        ("2026-10-11", false),  // Sunday
    ])
    func workdays(_ date: String, _ isWorkday: Bool) throws {
        let day = try #require(RuleCalendar.dayNumber(date))
        #expect(Self.holidays.isWorkday(day) == isWorkday)
        let at = Fixture.local(date, 12)
        #expect(ActiveWindow(days: .workdays).contains(at, calendar: Self.holidays) == isWorkday)
        #expect(ActiveWindow(days: .restDays).contains(at, calendar: Self.holidays) == !isWorkday)
        #expect(ActiveWindow(days: .all).contains(at, calendar: Self.holidays))
    }

    @Test("explicit weekdays ignore holidays")
    func weekdaySet() {
        let thursdays = ActiveWindow(days: .weekdays([4]))
        #expect(thursdays.contains(Fixture.local("2026-10-01", 12), calendar: Self.holidays))
        #expect(!thursdays.contains(Fixture.local("2026-10-02", 12), calendar: Self.holidays))
    }

    /// 22:00–06:00 on workdays: the part after midnight belongs to the day the span started.
    static let nightsOfWorkdays = ActiveWindow(fromMinute: 22 * 60, toMinute: 6 * 60, days: .workdays)

    @Test("a window crossing midnight", arguments: [
        ("Mon 21:59", "2026-03-02", 21, 59, false),
        ("Mon 22:00", "2026-03-02", 22, 0, true),
        ("Mon 23:59", "2026-03-02", 23, 59, true),
        ("Tue 00:00", "2026-03-03", 0, 0, true),
        ("Tue 05:59", "2026-03-03", 5, 59, true),
        ("Tue 06:00", "2026-03-03", 6, 0, false),
        ("Tue 12:00", "2026-03-03", 12, 0, false),
        ("Fri 23:00", "2026-03-06", 23, 0, true),
        ("Sat 02:00 belongs to Friday", "2026-03-07", 2, 0, true),
        ("Sat 23:00", "2026-03-07", 23, 0, false),
        ("Sun 23:00", "2026-03-08", 23, 0, false),
        ("Mon 02:00 belongs to Sunday", "2026-03-09", 2, 0, false),
        ("Mon 05:59 belongs to Sunday", "2026-03-09", 5, 59, false),
        ("Mon 22:00", "2026-03-09", 22, 0, true),
        ("holiday Thu 23:00", "2026-10-01", 23, 0, false),
        ("Fri 01:00 after the holiday", "2026-10-02", 1, 0, false),
        ("Wed 23:00 before the holiday", "2026-09-30", 23, 0, true),
        ("Thu 01:00 belongs to Wednesday", "2026-10-01", 1, 0, true),
        ("make-up Sat 23:00", "2026-10-10", 23, 0, true),
        ("Sun 03:00 belongs to make-up Saturday", "2026-10-11", 3, 0, true),
    ])
    func crossingMidnight(_ name: String, _ date: String, _ hour: Int, _ minute: Int, _ inside: Bool) {
        #expect(Self.nightsOfWorkdays.contains(Fixture.local(date, hour, minute), calendar: Self.holidays) == inside)
    }

    @Test("a daytime window", arguments: [
        (7, 59, false), (8, 0, true), (12, 0, true), (19, 59, true), (20, 0, false), (0, 0, false),
    ])
    func daytime(_ hour: Int, _ minute: Int, _ inside: Bool) {
        let window = ActiveWindow(fromMinute: 8 * 60, toMinute: 20 * 60)
        #expect(window.contains(Fixture.local("2026-03-02", hour, minute), calendar: RuleCalendar()) == inside)
    }

    @Test("from == to means all day on the chosen days", arguments: [
        ("2026-03-02", 0, true), ("2026-03-02", 23, true), ("2026-03-07", 12, false),
    ])
    func allDay(_ date: String, _ hour: Int, _ inside: Bool) {
        let window = ActiveWindow(fromMinute: 600, toMinute: 600, days: .workdays)
        #expect(window.contains(Fixture.local(date, hour), calendar: RuleCalendar()) == inside)
    }

    @Test("the engine applies a rule's window: a fall on a workday night raises, on a weekend night not", arguments: [
        ("Sat 02:00, Friday's night", "2026-03-07", 2, true),
        ("Mon 02:00, Sunday's night", "2026-03-09", 2, false),
        ("Mon 14:00", "2026-03-09", 14, false),
        ("Fri 01:00, the holiday's night", "2026-10-02", 1, false),
    ])
    func engineWindow(_ name: String, _ date: String, _ hour: Int, _ raises: Bool) throws {
        var engine = try Fixture.engine([Rules.fall(window: Self.nightsOfWorkdays)], calendar: Self.holidays)
        let now = Fixture.local(date, hour)
        #expect(engine.receive(Fixture.event("wb-1", "fall_detected", ts: now), now: now).kinds == (raises ? [.opened] : []))
    }

    @Test("the window is judged on gateway time, not device time")
    func gatewayTime() throws {
        var engine = try Fixture.engine([Rules.fall(window: ActiveWindow(fromMinute: 8 * 60, toMinute: 20 * 60))])
        let day = Fixture.local("2026-03-02", 12)
        let night = Fixture.local("2026-03-02", 23)
        #expect(engine.receive(Fixture.event("wb-1", "fall_detected", ts: day), now: night).isEmpty)
        #expect(engine.receive(Fixture.event("wb-2", "fall_detected", ts: night), now: day).kinds == [.opened])
    }

    @Test("a threshold outside its window raises on the first sample inside it; clearing is never restricted")
    func thresholdWindow() throws {
        let window = ActiveWindow(fromMinute: 8 * 60, toMinute: 20 * 60)
        var engine = try Fixture.engine([Rules.heartRateHigh(window: window)])
        let night = Fixture.local("2026-03-02", 7, 59)
        let morning = Fixture.local("2026-03-02", 8)
        let evening = Fixture.local("2026-03-02", 21)
        #expect(engine.receive(Fixture.telemetry("wb-1", ["heart_rate": 130], ts: night), now: night).isEmpty)
        #expect(engine.receive(Fixture.telemetry("wb-1", ["heart_rate": 130], ts: morning), now: morning).kinds == [.opened])
        #expect(engine.receive(Fixture.telemetry("wb-1", ["heart_rate": 90], ts: evening), now: evening).kinds == [.resolved])
    }
}
