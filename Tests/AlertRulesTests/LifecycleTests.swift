import AlertRules
import DeviceModel
import Testing

/// Opens a fall alert on `wb-1` at `now` and returns its id.
private func openFall(_ engine: inout AlertEngine, at now: Int64 = Fixture.t0, device: String = "wb-1") throws -> String {
    let transitions = engine.receive(Fixture.event(device, "fall_detected", ts: now), now: now)
    #expect(transitions.kinds == [.opened])
    return try #require(transitions.first?.alert.id)
}

@Suite("Operator commands")
struct OperatorCommandTests {
    @Test("acknowledge records who and when; the alert stays open")
    func acknowledge() throws {
        var engine = try Fixture.engine([Rules.fall()])
        let id = try openFall(&engine)
        let at = Fixture.t0 + 30_000
        let transition = try engine.acknowledge(id, by: "op-7", note: "on my way", now: at)
        #expect(transition.kind == .acknowledged)
        #expect(transition.actor == "op-7")
        #expect(transition.reason == "on my way")
        #expect(transition.at == at)
        #expect(transition.alert.state == .acknowledged)
        #expect(transition.alert.acknowledgedBy == "op-7")
        #expect(transition.alert.acknowledgedAt == at)
        #expect(transition.alert.note == "on my way")
        #expect(transition.alert.isOpen)
        #expect(engine.state.alerts[id]?.state == .acknowledged)
        #expect(engine.openAlert(Fixture.key("fall", device: "wb-1"))?.id == id)

        // A repeat of the rule updates the acknowledged alert, which stays acknowledged.
        let again = engine.receive(Fixture.event("wb-1", "fall_detected", ts: at), now: at + 1)
        #expect(again.kinds == [.updated])
        #expect(again.first?.alert.state == .acknowledged)
        #expect(again.first?.alert.count == 2)
    }

    @Test("acknowledging twice keeps the first operator")
    func acknowledgeTwice() throws {
        var engine = try Fixture.engine([Rules.fall()])
        let id = try openFall(&engine)
        _ = try engine.acknowledge(id, by: "op-7", note: nil, now: Fixture.t0 + 1000)
        let second = try engine.acknowledge(id, by: "op-8", note: nil, now: Fixture.t0 + 2000)
        #expect(second.kind == .acknowledged)
        #expect(second.alert.acknowledgedBy == "op-7")
        #expect(second.alert.acknowledgedAt == Fixture.t0 + 1000)
    }

    @Test("acknowledging an unknown id throws notFound")
    func acknowledgeUnknown() throws {
        var engine = try Fixture.engine([Rules.fall()])
        #expect(throws: AlertCommandError.notFound("al-1-deadbeef")) {
            try engine.acknowledge("al-1-deadbeef", by: "op-7", note: nil, now: Fixture.t0)
        }
    }

    @Test("resolving needs a note", arguments: ["", " ", "  \t\n "])
    func resolveNeedsNote(_ note: String) throws {
        var engine = try Fixture.engine([Rules.fall()])
        let id = try openFall(&engine)
        #expect(throws: AlertCommandError.noteRequired) {
            try engine.resolve(id, by: "op-7", note: note, category: .genuine, now: Fixture.t0 + 1000)
        }
        #expect(engine.state.alerts[id]?.state == .open)
    }

    @Test("resolving an unknown id throws notFound")
    func resolveUnknown() throws {
        var engine = try Fixture.engine([Rules.fall()])
        #expect(throws: AlertCommandError.notFound("nope")) {
            try engine.resolve("nope", by: "op-7", note: "done", category: .genuine, now: Fixture.t0)
        }
    }

    @Test("resolve records who, when and the note, and removes the alert from the open state")
    func resolve() throws {
        var engine = try Fixture.engine([Rules.fall()])
        let id = try openFall(&engine)
        let at = Fixture.t0 + 600_000
        let transition = try engine.resolve(id, by: "op-7", note: "resident helped up, unhurt", category: .genuine, now: at)
        #expect(transition.kind == .resolved)
        #expect(transition.actor == "op-7")
        #expect(transition.at == at)
        #expect(transition.alert.state == .resolved)
        #expect(!transition.alert.isOpen)
        #expect(transition.alert.resolvedBy == "op-7")
        #expect(transition.alert.resolvedAt == at)
        #expect(transition.alert.note == "resident helped up, unhurt")
        #expect(transition.alert.pendingResolveAt == nil)
        #expect(engine.state.alerts[id] == nil)
        #expect(engine.state.openByKey[Fixture.key("fall", device: "wb-1")] == nil)
        #expect(engine.openAlert(Fixture.key("fall", device: "wb-1")) == nil)

        // Gone from the state: a second resolve or acknowledge cannot find it.
        #expect(throws: AlertCommandError.notFound(id)) {
            try engine.resolve(id, by: "op-7", note: "again", category: .genuine, now: at + 1)
        }
        #expect(throws: AlertCommandError.notFound(id)) {
            try engine.acknowledge(id, by: "op-7", note: nil, now: at + 1)
        }
        // And no escalation for it later.
        #expect(engine.tick(now: at + 3_600_000).isEmpty)
    }

    @Test("an acknowledged alert can be resolved")
    func resolveAcknowledged() throws {
        var engine = try Fixture.engine([Rules.fall()])
        let id = try openFall(&engine)
        _ = try engine.acknowledge(id, by: "op-7", note: nil, now: Fixture.t0 + 1000)
        let transition = try engine.resolve(id, by: "op-8", note: "done", category: .genuine, now: Fixture.t0 + 2000)
        #expect(transition.alert.acknowledgedBy == "op-7")
        #expect(transition.alert.resolvedBy == "op-8")
        #expect(engine.state.alerts.isEmpty)
    }

    @Test("error descriptions")
    func errorDescriptions() {
        #expect(AlertCommandError.notFound("x").description == "no open alert x")
        #expect(AlertCommandError.noteRequired.description.contains("note"))
    }
}

@Suite("Escalation")
struct EscalationTests {
    @Test("a critical alert nobody acknowledges goes to the community at 5 min and the street at 15 min")
    func ladder() throws {
        var engine = try Fixture.engine([Rules.fall()])
        let id = try openFall(&engine)
        #expect(engine.tick(now: Fixture.t0 + 299_999).isEmpty)

        let community = engine.tick(now: Fixture.t0 + 300_000)
        #expect(community.kinds == [.escalated])
        #expect(community.first?.alert.id == id)
        #expect(community.first?.alert.escalationLevel == .community)
        #expect(community.first?.actor == "system")
        #expect(community.first?.reason == "unacknowledged, escalated to community")
        #expect(community.first?.alert.updatedAt == Fixture.t0 + 300_000)
        #expect(engine.state.alerts[id]?.escalationLevel == .community)

        #expect(engine.tick(now: Fixture.t0 + 300_001).isEmpty)
        #expect(engine.tick(now: Fixture.t0 + 899_999).isEmpty)

        let street = engine.tick(now: Fixture.t0 + 900_000)
        #expect(street.kinds == [.escalated])
        #expect(street.first?.alert.escalationLevel == .street)
        #expect(street.first?.reason == "unacknowledged, escalated to street")
        #expect(engine.tick(now: Fixture.t0 + 86_400_000).isEmpty)
    }

    @Test("a late tick escalates straight to the level due, once")
    func skipsLevels() throws {
        var engine = try Fixture.engine([Rules.fall()])
        _ = try openFall(&engine)
        let transitions = engine.tick(now: Fixture.t0 + 3_600_000)
        #expect(transitions.kinds == [.escalated])
        #expect(transitions.first?.alert.escalationLevel == .street)
    }

    @Test("acknowledged alerts do not escalate")
    func acknowledgedStays() throws {
        var engine = try Fixture.engine([Rules.fall()])
        let id = try openFall(&engine)
        _ = try engine.acknowledge(id, by: "op-7", note: nil, now: Fixture.t0 + 299_999)
        #expect(engine.tick(now: Fixture.t0 + 300_000).isEmpty)
        #expect(engine.tick(now: Fixture.t0 + 900_000).isEmpty)
        #expect(engine.state.alerts[id]?.escalationLevel == .grid)
    }

    @Test("an alert acknowledged after escalating keeps its level and escalates no further")
    func acknowledgedAfterEscalation() throws {
        var engine = try Fixture.engine([Rules.fall()])
        let id = try openFall(&engine)
        _ = engine.tick(now: Fixture.t0 + 300_000)
        _ = try engine.acknowledge(id, by: "op-7", note: nil, now: Fixture.t0 + 400_000)
        #expect(engine.tick(now: Fixture.t0 + 900_000).isEmpty)
        #expect(engine.state.alerts[id]?.escalationLevel == .community)
    }

    @Test("a custom policy on the rule replaces the severity's ladder")
    func customPolicy() throws {
        let policy = EscalationPolicy(toCommunityAfter: 60, toStreetAfter: nil)
        var engine = try Fixture.engine([Rules.fall(escalation: policy)])
        _ = try openFall(&engine)
        #expect(engine.tick(now: Fixture.t0 + 59_999).isEmpty)
        let transitions = engine.tick(now: Fixture.t0 + 60_000)
        #expect(transitions.kinds == [.escalated])
        #expect(transitions.first?.alert.escalationLevel == .community)
        #expect(engine.tick(now: Fixture.t0 + 86_400_000).isEmpty)
    }

    @Test("a policy that never escalates")
    func neverEscalates() throws {
        var engine = try Fixture.engine([Rules.fall(escalation: EscalationPolicy(toCommunityAfter: nil, toStreetAfter: nil))])
        _ = try openFall(&engine)
        #expect(engine.tick(now: Fixture.t0 + 86_400_000).isEmpty)
    }

    @Test("default ladders per severity", arguments: [
        (Severity.critical, 300 as Int?, 900 as Int?),
        (.major, 900, 3600),
        (.warning, 3600, nil),
        (.info, nil, nil),
    ])
    func defaults(_ severity: Severity, _ community: Int?, _ street: Int?) {
        let policy = EscalationPolicy.default(for: severity)
        #expect(policy.toCommunityAfter == community)
        #expect(policy.toStreetAfter == street)
    }

    @Test("level at elapsed time", arguments: [
        (Int64(0), EscalationLevel.grid),
        (299_999, .grid),
        (300_000, .community),
        (899_999, .community),
        (900_000, .street),
        (-5000, .grid),
    ])
    func level(_ elapsed: Int64, _ level: EscalationLevel) {
        let policy = EscalationPolicy.default(for: .critical)
        #expect(policy.level(openedAt: Fixture.t0, now: Fixture.t0 + elapsed) == level)
    }

    @Test("escalation levels and severities are ordered")
    func ordering() {
        #expect(EscalationLevel.grid < .community)
        #expect(EscalationLevel.community < .street)
        #expect(EscalationLevel(name: "street") == .street)
        #expect(EscalationLevel(name: "city") == nil)
        #expect(Severity.info < .warning)
        #expect(Severity.major < .critical)
        #expect(Severity.allCases.max() == .critical)
    }
}

@Suite("Silences")
struct SilenceTests {
    static let from = Fixture.t0 + 1000
    static let until = Fixture.t0 + 3_600_000

    static func silence(_ target: Silence.Target) -> Silence {
        Silence(id: "s1", target: target, from: from, until: until, reason: "installer testing", createdBy: "inst-1")
    }

    @Test("a matching silence suppresses opening during [from, until) and counts the hits", arguments: [
        Silence.Target.device("wb-1"), .community("c1"), .rule("fall"),
    ])
    func suppresses(_ target: Silence.Target) throws {
        var engine = try Fixture.engine([Rules.fall()], silences: [Self.silence(target)])
        #expect(engine.receive(Fixture.event("wb-1", "fall_detected", ts: 0), now: Self.from).isEmpty)
        #expect(engine.state.suppressedHits == 1)
        #expect(engine.receive(Fixture.event("wb-1", "fall_detected", ts: 0), now: Self.until - 1).isEmpty)
        #expect(engine.state.suppressedHits == 2)
        #expect(engine.state.alerts.isEmpty)
        #expect(engine.tick(now: Self.until - 1).isEmpty)

        let after = engine.receive(Fixture.event("wb-1", "fall_detected", ts: 0), now: Self.until)
        #expect(after.kinds == [.opened])
        #expect(engine.state.suppressedHits == 2)
    }

    @Test("before the silence starts, alerts open", arguments: [
        Silence.Target.device("wb-1"), .community("c1"), .rule("fall"),
    ])
    func beforeFrom(_ target: Silence.Target) throws {
        var engine = try Fixture.engine([Rules.fall()], silences: [Self.silence(target)])
        #expect(engine.receive(Fixture.event("wb-1", "fall_detected", ts: 0), now: Self.from - 1).kinds == [.opened])
        #expect(engine.state.suppressedHits == 0)
    }

    @Test("a silence of something else does not suppress", arguments: [
        Silence.Target.device("wb-2"), .community("c2"), .rule("offline"),
    ])
    func otherTargets(_ target: Silence.Target) throws {
        var engine = try Fixture.engine([Rules.fall()], silences: [Self.silence(target)])
        #expect(engine.receive(Fixture.event("wb-1", "fall_detected", ts: 0), now: Self.from).kinds == [.opened])
        #expect(engine.state.suppressedHits == 0)
    }

    @Test("a silence does not hide an alert that is already open")
    func openAlertStillUpdates() throws {
        var engine = try Fixture.engine([Rules.fall()])
        _ = try openFall(&engine)
        engine.update(silences: [Self.silence(.device("wb-1"))])
        let again = engine.receive(Fixture.event("wb-1", "fall_detected", ts: 0), now: Self.from)
        #expect(again.kinds == [.updated])
        #expect(engine.state.suppressedHits == 0)
    }

    @Test("a silence suppresses clock-driven absence alerts too")
    func absence() throws {
        var engine = try Fixture.engine([Rules.offline()], silences: [Self.silence(.device("wb-1"))], startedAt: Fixture.t0)
        #expect(engine.tick(now: Fixture.t0 + 180_000).filter { $0.alert.device == "wb-1" }.isEmpty)
        #expect(engine.state.suppressedHits == 1)
        #expect(engine.tick(now: Self.until).filter { $0.alert.device == "wb-1" }.kinds == [.opened])
    }

    @Test("a threshold or sustained condition that persists past the silence raises on the first sample after it")
    func thresholdAfterSilence() throws {
        var engine = try Fixture.engine([Rules.heartRateHigh()], silences: [Self.silence(.device("wb-1"))])
        #expect(engine.receive(Fixture.telemetry("wb-1", ["heart_rate": 150], ts: 0), now: Self.from).isEmpty)
        #expect(engine.state.suppressedHits == 1)
        let after = engine.receive(Fixture.telemetry("wb-1", ["heart_rate": 150], ts: 0), now: Self.until)
        #expect(after.kinds == [.opened])

        // The same for a sustained rule: held 60 s during the silence, still high after it.
        var sustained = try Fixture.engine([Rules.sustainedHeartRate()], silences: [Self.silence(.device("wb-1"))])
        _ = sustained.receive(Fixture.telemetry("wb-1", ["heart_rate": 150], ts: 0), now: Self.from)
        #expect(sustained.receive(Fixture.telemetry("wb-1", ["heart_rate": 150], ts: 60_000), now: Self.from + 60_000).isEmpty)
        #expect(sustained.state.suppressedHits == 1)
        let later = sustained.receive(Fixture.telemetry("wb-1", ["heart_rate": 150], ts: 3_600_000), now: Self.until)
        #expect(later.kinds == [.opened])
    }
}

@Suite("Flapping guard")
struct FlapGuardTests {
    static let guardSettings = FlapGuard(openings: 3, windowSeconds: 1800, holdSeconds: 600)

    @Test("the third opening's clear is held, a re-trigger keeps the alert, a tick after the hold resolves")
    func flapping() throws {
        var engine = try Fixture.engine([Rules.heartRateHigh()], flapGuard: Self.guardSettings)
        let minute: Int64 = 60_000
        func send(_ at: Int64, _ value: Double) -> [AlertTransition] {
            engine.receive(Fixture.telemetry("wb-1", ["heart_rate": value], ts: Fixture.t0 + at), now: Fixture.t0 + at)
        }
        #expect(send(0, 130).kinds == [.opened])
        #expect(send(1 * minute, 90).kinds == [.resolved])
        #expect(send(2 * minute, 130).kinds == [.opened])
        #expect(send(3 * minute, 90).kinds == [.resolved])
        let third = send(4 * minute, 130)
        #expect(third.kinds == [.opened])
        let id = try #require(third.first?.alert.id)

        let held = send(5 * minute, 90)
        #expect(held.kinds == [.updated])
        #expect(held.first?.alert.id == id)
        #expect(held.first?.alert.flapping == true)
        #expect(held.first?.alert.pendingResolveAt == Fixture.t0 + 5 * minute + 600_000)
        #expect(held.first?.alert.state == .open)
        #expect(engine.state.alerts[id] != nil)

        // Back during the hold: the same alert counts up, the hold is cancelled.
        let back = send(6 * minute, 130)
        #expect(back.kinds == [.updated])
        #expect(back.first?.alert.id == id)
        #expect(back.first?.alert.count == 2)
        #expect(back.first?.alert.pendingResolveAt == nil)
        #expect(back.first?.alert.flapping == true)

        let heldAgain = send(7 * minute, 90)
        #expect(heldAgain.kinds == [.updated])
        let due = Fixture.t0 + 7 * minute + 600_000
        #expect(heldAgain.first?.alert.pendingResolveAt == due)

        #expect(engine.tick(now: due - 1).of(.resolved).isEmpty)
        let resolved = engine.tick(now: due)
        #expect(resolved.kinds == [.resolved])
        #expect(resolved.first?.alert.id == id)
        #expect(resolved.first?.actor == "system")
        #expect(resolved.first?.alert.resolvedAt == due)
        #expect(resolved.first?.alert.pendingResolveAt == nil)
        #expect(engine.state.alerts.isEmpty)
        #expect(engine.state.openByKey.isEmpty)
    }

    @Test("openings spread wider than the guard window resolve normally")
    func outsideWindow() throws {
        var engine = try Fixture.engine([Rules.heartRateHigh()], flapGuard: Self.guardSettings)
        var kinds: [AlertTransition.Kind] = []
        for index in 0..<3 {
            let at = Fixture.t0 + Int64(index) * 900_000  // openings 15 min apart: the first leaves the 30 min window
            kinds += engine.receive(Fixture.telemetry("wb-1", ["heart_rate": 130], ts: at), now: at).kinds
            kinds += engine.receive(Fixture.telemetry("wb-1", ["heart_rate": 90], ts: at + 60_000), now: at + 60_000).kinds
        }
        #expect(kinds == [.opened, .resolved, .opened, .resolved, .opened, .resolved])
    }

    @Test("a repeated clear during the hold does not extend it")
    func repeatedClear() throws {
        var engine = try Fixture.engine([Rules.gasAlarm()], flapGuard: Self.guardSettings)
        var kinds: [AlertTransition.Kind] = []
        for index in 0..<3 {
            let at = Fixture.t0 + Int64(index) * 60_000
            kinds += engine.receive(Fixture.event("gas-3", "gas_alarm", ["level": .number(2)], ts: at), now: at).kinds
            kinds += engine.receive(Fixture.event("gas-3", "gas_clear", ts: at + 1000), now: at + 1000).kinds
        }
        #expect(kinds == [.opened, .resolved, .opened, .resolved, .opened, .updated])
        let due = Fixture.t0 + 120_000 + 1000 + 600_000
        #expect(engine.receive(Fixture.event("gas-3", "gas_clear", ts: 0), now: Fixture.t0 + 300_000).isEmpty)
        #expect(engine.state.alerts.values.first?.pendingResolveAt == due)
        #expect(engine.tick(now: due).kinds == [.resolved])
    }

    @Test("a held offline alert resolves after the hold when the device stays up")
    func absenceHoldResolves() throws {
        let start = Fixture.t0
        var engine = try Fixture.engine(
            [Rules.offline()], flapGuard: FlapGuard(openings: 1, windowSeconds: 1800, holdSeconds: 600), startedAt: start
        )
        #expect(engine.tick(now: start + 180_000).filter { $0.alert.device == "wb-1" }.kinds == [.opened])
        let held = engine.receive(Fixture.telemetry("wb-1", ["battery": 90], ts: 0), now: start + 200_000)
        #expect(held.kinds == [.updated])
        #expect(held.first?.alert.pendingResolveAt == start + 800_000)
        for offset in stride(from: Int64(260_000), through: 740_000, by: 120_000) {
            _ = engine.receive(Fixture.telemetry("wb-1", ["battery": 90], ts: 0), now: start + offset)
            #expect(engine.tick(now: start + offset).filter { $0.alert.device == "wb-1" }.isEmpty)
        }
        #expect(engine.tick(now: start + 800_000).filter { $0.alert.device == "wb-1" }.kinds == [.resolved])
    }

    @Test(
        "a held offline alert is not resolved as clear while the device has gone silent again")
    func absenceHoldWhileSilent() throws {
        let start = Fixture.t0
        var engine = try Fixture.engine(
            [Rules.offline()], flapGuard: FlapGuard(openings: 1, windowSeconds: 1800, holdSeconds: 600), startedAt: start
        )
        #expect(engine.tick(now: start + 180_000).filter { $0.alert.device == "wb-1" }.kinds == [.opened])
        let held = engine.receive(Fixture.telemetry("wb-1", ["battery": 90], ts: 0), now: start + 200_000)
        #expect(held.first?.alert.pendingResolveAt == start + 800_000)
        // Silent again from start + 200 s: offline again at start + 380 s, long before the hold ends.
        _ = engine.tick(now: start + 380_000)
        let atDue = engine.tick(now: start + 800_000).filter { $0.alert.device == "wb-1" }
        #expect(atDue.of(.resolved).isEmpty)
        #expect(engine.openAlert(Fixture.key("offline", device: "wb-1")) != nil)
    }

    @Test("an operator can resolve a flapping alert during the hold")
    func operatorResolves() throws {
        var engine = try Fixture.engine([Rules.gasAlarm()], flapGuard: FlapGuard(openings: 1, windowSeconds: 1800, holdSeconds: 600))
        let opened = engine.receive(Fixture.event("gas-3", "gas_alarm", ["level": .number(2)], ts: 0), now: Fixture.t0)
        let id = try #require(opened.first?.alert.id)
        #expect(engine.receive(Fixture.event("gas-3", "gas_clear", ts: 0), now: Fixture.t0 + 1000).kinds == [.updated])
        let resolved = try engine.resolve(id, by: "op-7", note: "valve closed", category: .genuine, now: Fixture.t0 + 2000)
        #expect(resolved.alert.pendingResolveAt == nil)
        #expect(engine.tick(now: Fixture.t0 + 3_600_000).isEmpty)
    }
}

@Suite("Changed keys")
struct ChangedKeysTests {
    @Test("takeChangedKeys returns the changed key states once")
    func takeOnce() throws {
        var engine = try Fixture.engine([Rules.heartRateHigh(), Rules.fall()])
        #expect(engine.takeChangedKeys().isEmpty)
        _ = engine.receive(Fixture.telemetry("wb-1", ["heart_rate": 130], ts: 0), now: Fixture.t0)
        let changed = engine.takeChangedKeys()
        let key = Fixture.key("hr_high", device: "wb-1")
        #expect(Array(changed.keys) == [key])
        let keyState = try #require(changed[key] ?? nil)
        #expect(keyState.active)
        #expect(keyState.openings == [Fixture.t0])
        #expect(keyState == engine.state.keys[key])
        #expect(engine.takeChangedKeys().isEmpty)
    }

    @Test("keys from several rules and devices are collected until taken")
    func collects() throws {
        var engine = try Fixture.engine([Rules.heartRateHigh(), Rules.faceAuthFailures(scope: .building)])
        _ = engine.receive(Fixture.telemetry("wb-1", ["heart_rate": 130], ts: 0), now: Fixture.t0)
        _ = engine.receive(Fixture.telemetry("wb-2", ["heart_rate": 130], ts: 0), now: Fixture.t0)
        _ = engine.receive(Fixture.event("door-3a", "face_auth_failed", ts: 0), now: Fixture.t0)
        let changed = engine.takeChangedKeys()
        #expect(Set(changed.keys) == [
            Fixture.key("hr_high", device: "wb-1"), Fixture.key("hr_high", device: "wb-2"),
            AlertKey(rule: "face_fail", scope: "building:c1/3"),
        ])
        #expect(changed[AlertKey(rule: "face_fail", scope: "building:c1/3")]??.hits == [Fixture.t0])
        #expect(engine.takeChangedKeys().isEmpty)
    }

    @Test("a key back to its empty state is reported as nil (forget it)")
    func emptyIsNil() throws {
        var engine = try Fixture.engine([Rules.sustainedHeartRate()])
        let key = Fixture.key("hr_sustained", device: "wb-1")
        _ = engine.receive(Fixture.telemetry("wb-1", ["heart_rate": 130], ts: 1000), now: Fixture.t0)
        #expect(engine.takeChangedKeys()[key]??.since == 1000)
        _ = engine.receive(Fixture.telemetry("wb-1", ["heart_rate": 90], ts: 2000), now: Fixture.t0 + 1000)
        let changed = engine.takeChangedKeys()
        #expect(changed.keys.contains(key))
        #expect(changed[key] == .some(nil))
        // Nothing changed: nothing to report.
        _ = engine.receive(Fixture.telemetry("wb-1", ["heart_rate": 90], ts: 3000), now: Fixture.t0 + 2000)
        #expect(engine.takeChangedKeys().isEmpty)
    }

    @Test("clock-driven changes are reported too")
    func tickChanges() throws {
        var engine = try Fixture.engine([Rules.bedExitAtNight()])
        let exitAt = Fixture.local("2026-03-02", 23)
        _ = engine.receive(Fixture.event("mat-1", "bed_exit", ts: 0), now: exitAt)
        let key = Fixture.key("bed_exit_night", device: "mat-1")
        #expect(engine.takeChangedKeys()[key]??.pendingSince == exitAt)
        _ = engine.tick(now: exitAt + 1_800_000)
        let changed = engine.takeChangedKeys()
        #expect(changed[key]??.pendingSince == nil)
        #expect(changed[key]??.openings == [exitAt + 1_800_000])
    }
}
