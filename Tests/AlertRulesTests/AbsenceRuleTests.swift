import AlertRules
import DeviceModel
import Testing

@Suite("Absence rules")
struct AbsenceRuleTests {
    static let start = Fixture.t0

    /// `wb-1` reports every 60 s: three missed reports are 180 s. `wb-2` uses the wristband default, 300 s → 900 s.
    @Test("a device never heard from counts from the engine's start", arguments: [
        (0, []),
        (179_999, []),
        (180_000, ["wb-1"]),
        (899_999, ["wb-1"]),
        (900_000, ["wb-1", "wb-2"]),
    ] as [(Int64, [String])])
    func baselineIsStartedAt(_ offset: Int64, _ offline: [String]) throws {
        var engine = try Fixture.engine([Rules.offline()], startedAt: Self.start)
        let transitions = engine.tick(now: Self.start + offset)
        #expect(transitions.allSatisfy { $0.kind == .opened })
        #expect(transitions.map(\.alert.device).sorted() == offline)
    }

    @Test("the offline alert records how long the device was silent")
    func offlineReading() throws {
        var engine = try Fixture.engine([Rules.offline()], startedAt: Self.start)
        let transitions = engine.tick(now: Self.start + 200_000).filter { $0.alert.device == "wb-1" }
        #expect(transitions.kinds == [.opened])
        let alert = try #require(transitions.first?.alert)
        #expect(alert.reading == ["silent_s": .number(200)])
        #expect(alert.sourceTS == Self.start)
        #expect(alert.key == Fixture.key("offline", device: "wb-1"))
        // Further ticks while it is open add nothing.
        #expect(engine.tick(now: Self.start + 260_000).filter { $0.alert.device == "wb-1" }.isEmpty)
    }

    @Test("each message restarts the limit")
    func messageRestarts() throws {
        var engine = try Fixture.engine([Rules.offline()], startedAt: Self.start)
        #expect(engine.receive(Fixture.telemetry("wb-1", ["battery": 80], ts: 0), now: Self.start + 100_000).isEmpty)
        #expect(engine.tick(now: Self.start + 180_000).isEmpty)
        #expect(engine.tick(now: Self.start + 279_999).isEmpty)
        let transitions = engine.tick(now: Self.start + 280_000)
        #expect(transitions.kinds == [.opened])
        #expect(transitions.first?.alert.sourceTS == Self.start + 100_000)
    }

    @Test("any message clears the offline alert; silence again reopens a new one")
    func anyMessageClears() throws {
        var engine = try Fixture.engine([Rules.offline()], startedAt: Self.start)
        let opened = engine.tick(now: Self.start + 180_000).filter { $0.alert.device == "wb-1" }
        #expect(opened.kinds == [.opened])

        let cleared = engine.receive(Fixture.event("wb-1", "low_battery", ts: 0), now: Self.start + 200_000)
        #expect(cleared.kinds == [.resolved])
        #expect(cleared.first?.actor == "system")
        #expect(cleared.first?.reason == "device reporting again")
        #expect(cleared.first?.alert.id == opened.first?.alert.id)

        #expect(engine.tick(now: Self.start + 379_999).filter { $0.alert.device == "wb-1" }.isEmpty)
        let reopened = engine.tick(now: Self.start + 380_000).filter { $0.alert.device == "wb-1" }
        #expect(reopened.kinds == [.opened])
        #expect(reopened.first?.alert.id != opened.first?.alert.id)
    }

    @Test("status online:false raises at once; online:true clears it")
    func statusOffline() throws {
        var engine = try Fixture.engine([Rules.offline()], startedAt: Self.start)
        let offline = engine.receive(Fixture.status("wb-1", online: false, ts: 5), now: Self.start + 10_000)
        #expect(offline.kinds == [.opened])
        #expect(offline.first?.alert.reading == ["status": .string("offline")])
        #expect(offline.first?.alert.sourceTS == 5)
        // The open alert is not raised again by the clock.
        #expect(engine.tick(now: Self.start + 500_000).filter { $0.alert.device == "wb-1" }.isEmpty)
        let online = engine.receive(Fixture.status("wb-1", online: true, ts: 6), now: Self.start + 510_000)
        #expect(online.kinds == [.resolved])
    }

    @Test("status online:false is not a sign of life")
    func offlineIsNotLife() throws {
        var engine = try Fixture.engine([Rules.offline()], startedAt: Self.start)
        _ = engine.receive(Fixture.status("wb-1", online: false, ts: 0), now: Self.start + 100_000)
        let key = Fixture.key("offline", device: "wb-1")
        let id = try #require(engine.state.openByKey[key])
        _ = try engine.resolve(id, by: "op-1", note: "checked", category: .genuine, now: Self.start + 110_000)
        // Silent since the start (the offline status does not count): the clock raises again at once.
        let transitions = engine.tick(now: Self.start + 180_000).filter { $0.alert.device == "wb-1" }
        #expect(transitions.kinds == [.opened])
        #expect(transitions.first?.alert.sourceTS == Self.start)
    }

    // MARK: - Activity

    /// Monday 2026-03-02 08:00 local: the inactivity window (08:00–20:00) has just opened.
    static let morning = Fixture.local("2026-03-02", 8)

    @Test("signs of life for an activity rule", arguments: [
        ("bed exit", [Fixture.event("mat-1", "bed_exit", ts: 0)], true),
        ("bed enter", [Fixture.event("mat-1", "bed_enter", ts: 0)], true),
        ("presence", [Fixture.event("mat-1", "presence_detected", ts: 0)], true),
        ("sos", [Fixture.event("mat-1", "sos", ts: 0)], true),
        ("wearable worn", [Fixture.event("mat-1", "wearable_worn", ts: 0)], true),
        ("body movement 2", [Fixture.telemetry("mat-1", ["body_movement": 2], ts: 0)], true),
        ("motion state 2", [Fixture.telemetry("mat-1", ["motion_state": 2], ts: 0)], true),
        ("rising steps", [Fixture.telemetry("mat-1", ["steps": 100], ts: 0), Fixture.telemetry("mat-1", ["steps": 101], ts: 0)], true),
        ("apnea", [Fixture.event("mat-1", "apnea_suspected", ts: 0)], false),
        ("body movement 1", [Fixture.telemetry("mat-1", ["body_movement": 1], ts: 0)], false),
        ("heart rate only", [Fixture.telemetry("mat-1", ["heart_rate": 70], ts: 0)], false),
        ("first steps reading", [Fixture.telemetry("mat-1", ["steps": 100], ts: 0)], false),
        ("steps unchanged", [Fixture.telemetry("mat-1", ["steps": 100], ts: 0), Fixture.telemetry("mat-1", ["steps": 100], ts: 0)], false),
        ("status online", [Fixture.status("mat-1", online: true, ts: 0)], false),
        ("status offline", [Fixture.status("mat-1", online: false, ts: 0)], false),
    ])
    func signsOfLife(_ name: String, _ messages: [DeviceMessage], _ isLife: Bool) throws {
        var engine = try Fixture.engine([Rules.inactivity()], startedAt: Self.morning)
        for (index, message) in messages.enumerated() {
            #expect(engine.receive(message, now: Self.morning + 3_600_000 + Int64(index) * 1000).isEmpty)
        }
        // Four hours after the start; with a sign of life one hour in, still an hour to go.
        let transitions = engine.tick(now: Self.morning + 4 * 3_600_000)
        #expect(transitions.kinds == (isLife ? [] : [.opened]))
        if !isLife { #expect(transitions.first?.alert.reading == ["inactive_s": .number(14_400)]) }
    }

    @Test("activity absence raises only within its window (08:00–20:00 local)", arguments: [
        ("morning, 4 h after 09:00", "2026-03-02", 9, "2026-03-02", 13, 0, true),
        ("just before 4 h", "2026-03-02", 9, "2026-03-02", 12, 59, false),
        ("evening, window closed", "2026-03-02", 17, "2026-03-02", 21, 0, false),
        ("midnight", "2026-03-02", 17, "2026-03-03", 0, 0, false),
        ("deep night", "2026-03-02", 17, "2026-03-03", 3, 0, false),
        ("one minute before the window", "2026-03-02", 17, "2026-03-03", 7, 59, false),
        ("window opens next morning", "2026-03-02", 17, "2026-03-03", 8, 0, true),
        ("last minute of the window", "2026-03-02", 9, "2026-03-02", 19, 59, true),
        ("window end is exclusive", "2026-03-02", 9, "2026-03-02", 20, 0, false),
    ])
    func window(_ name: String, _ lastDate: String, _ lastHour: Int, _ tickDate: String, _ tickHour: Int, _ tickMinute: Int, _ raises: Bool) throws {
        let startedAt = Fixture.local("2026-03-02", 0)
        var engine = try Fixture.engine([Rules.inactivity()], calendar: RuleCalendar(utcOffsetSeconds: 8 * 3600), startedAt: startedAt)
        let last = Fixture.local(lastDate, lastHour)
        #expect(engine.receive(Fixture.event("mat-1", "bed_exit", ts: last), now: last).isEmpty)
        let now = Fixture.local(tickDate, tickHour, tickMinute)
        let transitions = engine.tick(now: now)
        #expect(transitions.kinds == (raises ? [.opened] : []))
        if raises { #expect(transitions.first?.alert.reading == ["inactive_s": .number(Double((now - last) / 1000))]) }
    }

    @Test("the window follows the calendar's UTC offset")
    func utcOffset() throws {
        // 13:00 at +08:00 is 05:00 UTC: inside the window at +8, outside it at UTC.
        let startedAt = Fixture.local("2026-03-02", 0)
        let now = Fixture.local("2026-03-02", 13)
        var china = try Fixture.engine([Rules.inactivity()], calendar: RuleCalendar(utcOffsetSeconds: 8 * 3600), startedAt: startedAt)
        var utc = try Fixture.engine([Rules.inactivity()], calendar: RuleCalendar(utcOffsetSeconds: 0), startedAt: startedAt)
        #expect(china.tick(now: now).kinds == [.opened])
        #expect(utc.tick(now: now).isEmpty)
    }

    @Test("activity clears an inactivity alert")
    func activityClears() throws {
        var engine = try Fixture.engine([Rules.inactivity()], startedAt: Self.morning)
        #expect(engine.tick(now: Self.morning + 4 * 3_600_000).kinds == [.opened])
        #expect(engine.receive(Fixture.telemetry("mat-1", ["heart_rate": 70], ts: 0), now: Self.morning + 4 * 3_600_000 + 1).isEmpty)
        let cleared = engine.receive(Fixture.event("mat-1", "bed_enter", ts: 0), now: Self.morning + 4 * 3_600_000 + 2)
        #expect(cleared.kinds == [.resolved])
        #expect(cleared.first?.reason == "activity detected")
    }

    static let offline10m = AlertRule(
        id: "offline_10m", title: "设备离线", severity: .info, appliesTo: [.wristband],
        condition: .absence(.anyMessage, seconds: 600, missedReports: 3)
    )

    @Test("an explicit duration overrides the report interval")
    func explicitSeconds() throws {
        let rule = Self.offline10m
        var engine = try Fixture.engine([rule], startedAt: Self.start)
        #expect(engine.tick(now: Self.start + 599_999).isEmpty)
        #expect(engine.tick(now: Self.start + 600_000).map(\.alert.device).sorted() == ["wb-1", "wb-2"])
    }
    @Test("a device registered at run time starts its timers then, not at the engine's start")
    func registeredLater() throws {
        let rule = Self.offline10m
        var engine = try Fixture.engine([rule], startedAt: Self.start)
        let registeredAt = Self.start + 86_400_000
        var band = try #require(engine.registry.device("wb-1"))
        band.id = "wb-new"
        band.serial = "SN-new"
        #expect(engine.upsert(device: band, now: registeredAt).isEmpty)
        let due = engine.tick(now: registeredAt + 1).map(\.alert.device)
        #expect(!due.contains("wb-new") && due.contains("wb-1"), "\(due)")
        #expect(engine.tick(now: registeredAt + 600_000).map(\.alert.device) == ["wb-new"])
    }

    @Test("decommissioning resolves the device's open alerts and forgets its timers")
    func decommissioned() throws {
        let rule = Self.offline10m
        var engine = try Fixture.engine([rule], startedAt: Self.start)
        #expect(engine.tick(now: Self.start + 600_000).count == 2)
        var band = try #require(engine.registry.device("wb-1"))
        band.state = .decommissioned
        let resolved = engine.upsert(device: band, now: Self.start + 700_000, actor: "installer:app")
        #expect(resolved.kinds == [.resolved] && resolved.first?.alert.device == "wb-1")
        #expect(resolved.first?.reason == "device decommissioned" && resolved.first?.actor == "installer:app")
        #expect(engine.state.keys.keys.allSatisfy { $0.scope != "device:wb-1" })
        #expect(engine.tick(now: Self.start + 86_400_000).allSatisfy { $0.alert.device != "wb-1" })
        // Back in service: its timer starts when it is recommissioned.
        band.state = .commissioned
        #expect(engine.upsert(device: band, now: Self.start + 86_400_000).isEmpty)
        #expect(engine.tick(now: Self.start + 86_400_000 + 599_999).allSatisfy { $0.alert.device != "wb-1" })
    }
}

@Suite("Missing follow-up rules")
struct MissingFollowUpTests {
    static let night = "2026-03-02"
    static let nextDay = "2026-03-03"

    @Test("a bed exit at night not followed within 30 min raises on tick")
    func raisesOnTick() throws {
        var engine = try Fixture.engine([Rules.bedExitAtNight()])
        let exitAt = Fixture.local(Self.night, 23)
        #expect(engine.receive(Fixture.event("mat-1", "bed_exit", ts: exitAt - 500), now: exitAt).isEmpty)
        #expect(engine.tick(now: exitAt + 1_799_999).isEmpty)
        let transitions = engine.tick(now: exitAt + 1_800_000)
        #expect(transitions.kinds == [.opened])
        let alert = try #require(transitions.first?.alert)
        #expect(alert.key == Fixture.key("bed_exit_night", device: "mat-1"))
        #expect(alert.reading == ["event": .string("bed_exit"), "waited_s": .number(1800)])
        #expect(alert.sourceTS == exitAt)
        #expect(alert.resident == "r1")
        // The deadline fires once.
        #expect(engine.tick(now: exitAt + 3_600_000).of(.opened).isEmpty)

        let enterAt = Fixture.local(Self.nextDay, 0, 15)
        let resolved = engine.receive(Fixture.event("mat-1", "bed_enter", ts: enterAt), now: enterAt)
        #expect(resolved.kinds == [.resolved])
        #expect(resolved.first?.alert.id == alert.id)
        #expect(resolved.first?.reason == "bed_enter reported")
    }

    @Test("a timely bed entry cancels the deadline", arguments: [Int64(1), 600_000, 1_799_999])
    func followedInTime(_ after: Int64) throws {
        var engine = try Fixture.engine([Rules.bedExitAtNight()])
        let exitAt = Fixture.local(Self.night, 23)
        #expect(engine.receive(Fixture.event("mat-1", "bed_exit", ts: exitAt), now: exitAt).isEmpty)
        #expect(engine.receive(Fixture.event("mat-1", "bed_enter", ts: exitAt + after), now: exitAt + after).isEmpty)
        #expect(engine.tick(now: exitAt + 1_800_000).isEmpty)
        #expect(engine.tick(now: exitAt + 7_200_000).isEmpty)
        #expect(engine.state.keys[Fixture.key("bed_exit_night", device: "mat-1")]?.pendingSince == nil)
    }

    @Test("only a bed exit within the night window starts the deadline", arguments: [
        ("23:00", Self.night, 23, 0, true),
        ("22:00 start", Self.night, 22, 0, true),
        ("after midnight", Self.nextDay, 2, 0, true),
        ("05:59", Self.nextDay, 5, 59, true),
        ("06:00 end", Self.nextDay, 6, 0, false),
        ("afternoon", Self.night, 14, 0, false),
        ("21:59", Self.night, 21, 59, false),
    ])
    func window(_ name: String, _ date: String, _ hour: Int, _ minute: Int, _ raises: Bool) throws {
        var engine = try Fixture.engine([Rules.bedExitAtNight()])
        let exitAt = Fixture.local(date, hour, minute)
        #expect(engine.receive(Fixture.event("mat-1", "bed_exit", ts: exitAt), now: exitAt).isEmpty)
        #expect(engine.tick(now: exitAt + 1_800_000).kinds == (raises ? [.opened] : []))
    }

    @Test("a second bed exit does not move the deadline")
    func secondExit() throws {
        var engine = try Fixture.engine([Rules.bedExitAtNight()])
        let exitAt = Fixture.local(Self.night, 23)
        _ = engine.receive(Fixture.event("mat-1", "bed_exit", ts: exitAt), now: exitAt)
        _ = engine.receive(Fixture.event("mat-1", "bed_exit", ts: exitAt + 1_200_000), now: exitAt + 1_200_000)
        #expect(engine.tick(now: exitAt + 1_800_000).kinds == [.opened])
    }

    @Test("the pending deadline survives a restart")
    func restart() throws {
        var engine = try Fixture.engine([Rules.bedExitAtNight()])
        let exitAt = Fixture.local(Self.night, 23)
        _ = engine.receive(Fixture.event("mat-1", "bed_exit", ts: exitAt), now: exitAt)
        var restarted = AlertEngine(
            ruleBook: Fixture.ruleBook([Rules.bedExitAtNight()]), registry: try Fixture.registry(), state: engine.state
        )
        #expect(restarted.tick(now: exitAt + 1_799_999).isEmpty)
        #expect(restarted.tick(now: exitAt + 1_800_000).kinds == [.opened])
    }
}
