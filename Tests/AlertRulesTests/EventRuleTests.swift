import AlertRules
import DeviceModel
import Testing

@Suite("Event rules")
struct EventRuleTests {
    @Test("a fall raises at once; a repeat while open updates the same alert")
    func fallAndRepeat() throws {
        var engine = try Fixture.engine([Rules.fall()])
        let first = engine.receive(Fixture.event("wb-1", "fall_detected", ts: Fixture.t0), now: Fixture.t0)
        #expect(first.kinds == [.opened])
        let opened = try #require(first.first?.alert)
        #expect(opened.reading == ["event": .string("fall_detected")])
        #expect(opened.severity == .critical)

        let repeatAt = Fixture.t0 + 5000
        let second = engine.receive(Fixture.event("wb-1", "fall_detected", ts: repeatAt - 100), now: repeatAt)
        #expect(second.kinds == [.updated])
        let updated = try #require(second.first?.alert)
        #expect(updated.id == opened.id)
        #expect(updated.count == 2)
        #expect(updated.lastSeenAt == repeatAt)
        #expect(updated.lastSourceTS == repeatAt - 100)
        #expect(updated.sourceTS == Fixture.t0)
        #expect(updated.openedAt == Fixture.t0)
        #expect(engine.state.alerts.count == 1)

        // Another resident's wristband has its own alert.
        let other = engine.receive(Fixture.event("wb-2", "fall_detected", ts: repeatAt), now: repeatAt)
        #expect(other.kinds == [.opened])
        #expect(other.first?.alert.id != opened.id)
        #expect(engine.state.alerts.count == 2)
    }

    @Test("other events do not raise")
    func otherEvents() throws {
        var engine = try Fixture.engine([Rules.fall()])
        #expect(engine.receive(Fixture.event("wb-1", "sos", ts: Fixture.t0), now: Fixture.t0).isEmpty)
        #expect(engine.receive(Fixture.telemetry("wb-1", ["fall_detected": 1], ts: Fixture.t0), now: Fixture.t0).isEmpty)
        #expect(engine.state.alerts.isEmpty)
    }

    @Test("data match: numbers at least the given value, other types equal", arguments: [
        ("level 1", ["level": JSONValue.number(1)], false),
        ("level 1.99", ["level": .number(1.99)], false),
        ("level 2", ["level": .number(2)], true),
        ("level 3 with extra data", ["level": .number(3), "lel": .number(40)], true),
        ("level as text", ["level": .string("2")], false),
        ("no level", [:], false),
        ("level null", ["level": .null], false),
    ])
    func dataMatch(_ name: String, _ data: [String: JSONValue], _ raises: Bool) throws {
        var engine = try Fixture.engine([Rules.gasAlarm()])
        let transitions = engine.receive(Fixture.event("gas-3", "gas_alarm", data, ts: Fixture.t0), now: Fixture.t0)
        #expect(transitions.kinds == (raises ? [.opened] : []))
        if raises {
            #expect(transitions.first?.alert.reading["event"] == .string("gas_alarm"))
            #expect(transitions.first?.alert.reading["level"] == data["level"])
        }
    }

    @Test("string data must be equal")
    func stringDataMatch() throws {
        let match = EventMatch(["intrusion"], data: ["zone": .string("roof")])
        #expect(match.names == ["intrusion"])
        let rule = AlertRule(
            id: "roof", title: "屋顶入侵", severity: .major, appliesTo: [.smokeSensor],
            condition: .event(match, resolveOn: [])
        )
        var engine = try Fixture.engine([rule])
        #expect(engine.receive(Fixture.event("smoke-3", "intrusion", ["zone": .string("lobby")], ts: Fixture.t0), now: Fixture.t0).isEmpty)
        #expect(engine.receive(Fixture.event("smoke-3", "intrusion", ["zone": .string("roof")], ts: Fixture.t0), now: Fixture.t0).kinds == [.opened])
    }

    @Test("resolveOn resolves; a later event opens a new alert with a new id")
    func resolveOnAndReopen() throws {
        var engine = try Fixture.engine([Rules.gasAlarm()])
        let opened = engine.receive(Fixture.event("gas-3", "gas_alarm", ["level": .number(2)], ts: Fixture.t0), now: Fixture.t0)
        let firstID = try #require(opened.first?.alert.id)

        let clearAt = Fixture.t0 + 120_000
        let cleared = engine.receive(Fixture.event("gas-3", "gas_clear", ts: clearAt), now: clearAt)
        #expect(cleared.kinds == [.resolved])
        #expect(cleared.first?.actor == "system")
        #expect(cleared.first?.alert.id == firstID)
        #expect(cleared.first?.alert.resolvedBy == "system")
        #expect(cleared.first?.alert.resolvedAt == clearAt)
        #expect(engine.state.alerts.isEmpty)
        #expect(engine.state.openByKey.isEmpty)

        // Clearing again does nothing.
        #expect(engine.receive(Fixture.event("gas-3", "gas_clear", ts: clearAt + 1), now: clearAt + 1).isEmpty)

        let againAt = clearAt + 60_000
        let again = engine.receive(Fixture.event("gas-3", "gas_alarm", ["level": .number(3)], ts: againAt), now: againAt)
        #expect(again.kinds == [.opened])
        let secondID = try #require(again.first?.alert.id)
        #expect(secondID != firstID)
        #expect(again.first?.alert.count == 1)
    }

    @Test("a key reopened within the same millisecond gets a new alert id")
    func reopenSameMillisecond() throws {
        var engine = try Fixture.engine([Rules.gasAlarm()])
        let now = Fixture.t0
        let opened = engine.receive(Fixture.event("gas-3", "gas_alarm", ["level": .number(2)], ts: now), now: now)
        let cleared = engine.receive(Fixture.event("gas-3", "gas_clear", ts: now), now: now)
        let again = engine.receive(Fixture.event("gas-3", "gas_alarm", ["level": .number(2)], ts: now), now: now)
        #expect(opened.kinds == [.opened])
        #expect(cleared.kinds == [.resolved])
        #expect(again.kinds == [.opened])
        #expect(again.first?.alert.id != opened.first?.alert.id)
    }

    @Test("without autoResolve, resolveOn events leave the alert open")
    func resolveOnWithoutAutoResolve() throws {
        var rule = Rules.gasAlarm()
        rule.autoResolve = false
        var engine = try Fixture.engine([rule])
        _ = engine.receive(Fixture.event("gas-3", "gas_alarm", ["level": .number(2)], ts: Fixture.t0), now: Fixture.t0)
        #expect(engine.receive(Fixture.event("gas-3", "gas_clear", ts: Fixture.t0 + 1), now: Fixture.t0 + 1).isEmpty)
        #expect(engine.state.alerts.count == 1)
    }
}

@Suite("Count rules")
struct CountRuleTests {
    @Test("five failures within 120 s raise; spread wider they do not", arguments: [
        ("within 120 s", [Int64(0), 30_000, 60_000, 90_000, 119_999], true),
        ("all at once", [Int64(0), 0, 0, 0, 0], true),
        ("the first is exactly 120 s old", [Int64(0), 30_000, 60_000, 90_000, 120_000], false),
        ("spread over 10 min", [Int64(0), 150_000, 300_000, 450_000, 600_000], false),
        ("only four", [Int64(0), 10_000, 20_000, 30_000], false),
    ])
    func window(_ name: String, _ offsets: [Int64], _ raises: Bool) throws {
        var engine = try Fixture.engine([Rules.faceAuthFailures(scope: .device)])
        var kinds: [AlertTransition.Kind] = []
        for (index, offset) in offsets.enumerated() {
            let now = Fixture.t0 + offset
            let transitions = engine.receive(Fixture.event("door-3a", "face_auth_failed", ts: now), now: now)
            if index < offsets.count - 1 { #expect(transitions.isEmpty, "event \(index)") }
            kinds += transitions.kinds
        }
        #expect(kinds == (raises ? [.opened] : []))
    }

    @Test("the count is on gateway time and the reading tells how many")
    func reading() throws {
        var engine = try Fixture.engine([Rules.faceAuthFailures(scope: .device)])
        var last: [AlertTransition] = []
        for index in 0..<5 {
            let now = Fixture.t0 + Int64(index) * 1000
            // Device clock far off: it must not matter.
            last = engine.receive(Fixture.event("door-3a", "face_auth_failed", ts: 1000 + Int64(index) * 600_000), now: now)
        }
        #expect(last.kinds == [.opened])
        #expect(last.first?.alert.reading == [
            "event": .string("face_auth_failed"), "count": .number(5), "window_s": .number(120),
        ])
        let sixth = engine.receive(Fixture.event("door-3a", "face_auth_failed", ts: 0), now: Fixture.t0 + 5000)
        #expect(sixth.kinds == [.updated])
        #expect(sixth.first?.alert.count == 2)
        #expect(sixth.first?.alert.reading["count"] == .number(6))
    }

    @Test("other events do not count")
    func otherEvents() throws {
        var engine = try Fixture.engine([Rules.faceAuthFailures(scope: .device)])
        for index in 0..<4 {
            let now = Fixture.t0 + Int64(index)
            _ = engine.receive(Fixture.event("door-3a", "face_auth_failed", ts: now), now: now)
        }
        let passed = engine.receive(Fixture.event("door-3a", "face_auth_passed", ts: Fixture.t0 + 10), now: Fixture.t0 + 10)
        #expect(passed.isEmpty)
    }

    @Test("device scope counts each device on its own")
    func deviceScope() throws {
        var engine = try Fixture.engine([Rules.faceAuthFailures(scope: .device)])
        var kinds: [AlertTransition.Kind] = []
        for index in 0..<6 {
            let now = Fixture.t0 + Int64(index) * 1000
            let device = index.isMultiple(of: 2) ? "door-3a" : "door-3b"
            kinds += engine.receive(Fixture.event(device, "face_auth_failed", ts: now), now: now).kinds
        }
        #expect(kinds.isEmpty)
    }

    @Test("building scope aggregates two devices in the same building, not another building")
    func buildingScope() throws {
        var engine = try Fixture.engine([Rules.faceAuthFailures(scope: .building)])
        var transitions: [AlertTransition] = []
        let sequence = ["door-3a", "door-5", "door-3b", "door-5", "door-3a", "door-5", "door-3b", "door-3a"]
        for (index, device) in sequence.enumerated() {
            let now = Fixture.t0 + Int64(index) * 10_000
            transitions += engine.receive(Fixture.event(device, "face_auth_failed", ts: now), now: now)
        }
        #expect(transitions.kinds == [.opened])
        let alert = try #require(transitions.first?.alert)
        #expect(alert.key == AlertKey(rule: "face_fail", scope: "building:c1/3"))
        #expect(alert.device == "door-3a")
        #expect(alert.location == DeviceLocation(building: "3"))
        #expect(alert.reading["count"] == .number(5))
    }
}

@Suite("Correlation rules")
struct CorrelationRuleTests {
    @Test("smoke and gas in one building within the window raise one combined alert", arguments: [
        ("same building, 2 min apart", "smoke-3", Int64(0), "gas-3", Int64(120_000), true),
        ("gas first", "smoke-3", Int64(200_000), "gas-3", Int64(0), true),
        ("exactly 5 min apart", "smoke-3", Int64(0), "gas-3", Int64(300_000), true),
        ("5 min and 1 ms apart", "smoke-3", Int64(0), "gas-3", Int64(300_001), false),
        ("an hour apart", "smoke-3", Int64(0), "gas-3", Int64(3_600_000), false),
        ("different buildings", "smoke-4", Int64(0), "gas-3", Int64(60_000), false),
        ("different communities", "smoke-c2", Int64(0), "gas-3", Int64(60_000), false),
    ])
    func window(_ name: String, _ smoke: String, _ smokeAt: Int64, _ gas: String, _ gasAt: Int64, _ raises: Bool) throws {
        var engine = try Fixture.engine([Rules.fireAndGas()])
        let messages = [
            (smokeAt, Fixture.event(smoke, "smoke_alarm", ts: Fixture.t0 + smokeAt)),
            (gasAt, Fixture.event(gas, "gas_alarm", ["level": .number(2)], ts: Fixture.t0 + gasAt)),
        ].sorted { $0.0 < $1.0 }
        var transitions: [AlertTransition] = []
        for (offset, message) in messages {
            transitions += engine.receive(message, now: Fixture.t0 + offset)
        }
        #expect(transitions.kinds == (raises ? [.opened] : []))
        if raises {
            let alert = try #require(transitions.first?.alert)
            #expect(alert.key == AlertKey(rule: "fire_gas", scope: "building:c1/3"))
            #expect(alert.reading["parts"] == .number(2))
            #expect(alert.location == DeviceLocation(building: "3"))
            #expect(alert.severity == .critical)
        }
    }

    @Test("one alert: more parts while it is open update it")
    func oneAlert() throws {
        var engine = try Fixture.engine([Rules.fireAndGas()])
        #expect(engine.receive(Fixture.event("smoke-3", "smoke_alarm", ts: Fixture.t0), now: Fixture.t0).isEmpty)
        #expect(engine.receive(Fixture.event("smoke-3", "smoke_alarm", ts: Fixture.t0 + 10_000), now: Fixture.t0 + 10_000).isEmpty)
        let opened = engine.receive(Fixture.event("gas-3", "gas_alarm", ts: Fixture.t0 + 20_000), now: Fixture.t0 + 20_000)
        #expect(opened.kinds == [.opened])
        #expect(opened.first?.alert.device == "gas-3")
        let again = engine.receive(Fixture.event("smoke-3", "smoke_alarm", ts: Fixture.t0 + 30_000), now: Fixture.t0 + 30_000)
        #expect(again.kinds == [.updated])
        #expect(again.first?.alert.id == opened.first?.alert.id)
        #expect(again.first?.alert.device == "smoke-3")
        #expect(engine.state.alerts.count == 1)
    }

    @Test("one part alone never raises, however often")
    func onePart() throws {
        var engine = try Fixture.engine([Rules.fireAndGas()])
        for index in 0..<5 {
            let now = Fixture.t0 + Int64(index) * 1000
            #expect(engine.receive(Fixture.event("smoke-3", "smoke_alarm", ts: now), now: now).isEmpty)
        }
        #expect(engine.receive(Fixture.event("gas-3", "gas_clear", ts: Fixture.t0 + 6000), now: Fixture.t0 + 6000).isEmpty)
    }
}
