import AlertRules
import DeviceModel
import Testing

@Suite("Rule overrides")
struct OverrideTests {
    static func bound(_ rule: AlertRule?) -> MetricBound? {
        guard case let .threshold(bound) = rule?.condition else { return nil }
        return bound
    }

    static let residentOverride = RuleOverride(rule: "hr_high", target: .resident("r1"), trigger: 140)

    @Test("a resident override changes the trigger of all that resident's monitors, shifting clear with it")
    func residentOverride() throws {
        let engine = try Fixture.engine([Rules.heartRateHigh()], overrides: [Self.residentOverride])
        for device in ["wb-1", "mat-1"] {
            let bound = try #require(Self.bound(engine.rules(for: device).first))
            #expect(bound.trigger == 140, "\(device)")
            #expect(bound.clear == 120, "\(device)")
        }
        // Another resident's wristband keeps the default.
        let other = try #require(Self.bound(engine.rules(for: "wb-2").first))
        #expect(other.trigger == 120)
        #expect(other.clear == 100)
    }

    @Test("the resident override drives the engine", arguments: [
        ("wb-1", 135.0, false), ("wb-1", 141.0, true), ("mat-1", 135.0, false), ("mat-1", 141.0, true),
        ("wb-2", 121.0, true),
    ])
    func residentOverrideInEngine(_ device: String, _ value: Double, _ raises: Bool) throws {
        var engine = try Fixture.engine([Rules.heartRateHigh()], overrides: [Self.residentOverride])
        let transitions = engine.receive(Fixture.telemetry(device, ["heart_rate": value], ts: 0), now: Fixture.t0)
        #expect(transitions.kinds == (raises ? [.opened] : []))
    }

    @Test("a device override beats the resident override, whatever their order", arguments: [false, true])
    func deviceBeatsResident(_ deviceFirst: Bool) throws {
        let deviceOverride = RuleOverride(rule: "hr_high", target: .device("mat-1"), trigger: 150, clear: 130, severity: .critical)
        let overrides = deviceFirst ? [deviceOverride, Self.residentOverride] : [Self.residentOverride, deviceOverride]
        var engine = try Fixture.engine([Rules.heartRateHigh()], overrides: overrides)
        let mattress = try #require(engine.rules(for: "mat-1").first)
        #expect(Self.bound(mattress) == MetricBound(metric: "heart_rate", direction: .above, trigger: 150, clear: 130))
        #expect(mattress.severity == .critical)
        let wristband = try #require(engine.rules(for: "wb-1").first)
        #expect(Self.bound(wristband)?.trigger == 140)
        #expect(wristband.severity == .warning)

        #expect(engine.receive(Fixture.telemetry("mat-1", ["heart_rate": 145], ts: 0), now: Fixture.t0).isEmpty)
        let opened = engine.receive(Fixture.telemetry("mat-1", ["heart_rate": 151], ts: 0), now: Fixture.t0 + 1)
        #expect(opened.kinds == [.opened])
        #expect(opened.first?.alert.severity == .critical)
        #expect(engine.receive(Fixture.telemetry("mat-1", ["heart_rate": 131], ts: 0), now: Fixture.t0 + 2).isEmpty)
        #expect(engine.receive(Fixture.telemetry("mat-1", ["heart_rate": 129], ts: 0), now: Fixture.t0 + 3).kinds == [.resolved])
    }

    @Test("enabled: false removes the rule for that device only")
    func disabledForDevice() throws {
        let overrides = [RuleOverride(rule: "hr_high", target: .device("wb-1"), enabled: false)]
        var engine = try Fixture.engine([Rules.heartRateHigh(), Rules.fall()], overrides: overrides)
        #expect(engine.rules(for: "wb-1").map(\.id) == ["fall"])
        #expect(engine.rules(for: "wb-2").map(\.id) == ["hr_high", "fall"])
        #expect(engine.rules(for: "mat-1").map(\.id) == ["hr_high"])
        #expect(engine.receive(Fixture.telemetry("wb-1", ["heart_rate": 200], ts: 0), now: Fixture.t0).isEmpty)
        #expect(engine.receive(Fixture.telemetry("wb-2", ["heart_rate": 200], ts: 0), now: Fixture.t0).kinds == [.opened])
    }

    @Test("enabled: false for a resident removes it from all their monitors")
    func disabledForResident() throws {
        let overrides = [RuleOverride(rule: "hr_high", target: .resident("r1"), enabled: false)]
        let engine = try Fixture.engine([Rules.heartRateHigh()], overrides: overrides)
        #expect(engine.rules(for: "wb-1").isEmpty)
        #expect(engine.rules(for: "mat-1").isEmpty)
        #expect(engine.rules(for: "wb-2").count == 1)
    }

    @Test("a device override enabling a rule beats a resident override disabling it")
    func deviceEnableBeatsResidentDisable() throws {
        let overrides = [
            RuleOverride(rule: "hr_high", target: .resident("r1"), enabled: false),
            RuleOverride(rule: "hr_high", target: .device("mat-1"), enabled: true),
        ]
        let engine = try Fixture.engine([Rules.heartRateHigh()], overrides: overrides)
        #expect(engine.rules(for: "wb-1").isEmpty)
        #expect(engine.rules(for: "mat-1").map(\.id) == ["hr_high"])
    }

    @Test("overrides of a different rule or target change nothing")
    func unrelated() throws {
        let overrides = [
            RuleOverride(rule: "other", target: .device("wb-1"), enabled: false),
            RuleOverride(rule: "hr_high", target: .device("wb-2"), trigger: 90),
            RuleOverride(rule: "hr_high", target: .resident("r2"), trigger: 95),
        ]
        let engine = try Fixture.engine([Rules.heartRateHigh()], overrides: overrides)
        #expect(engine.rules(for: "wb-1") == [Rules.heartRateHigh()])
    }

    @Test("overrides adjust each condition kind", arguments: [
        (
            "sustained: trigger and seconds",
            Rules.sustainedHeartRate(),
            RuleOverride(rule: "hr_sustained", target: .device("wb-1"), trigger: 130, seconds: 120),
            RuleCondition.sustained(MetricBound(metric: "heart_rate", direction: .above, trigger: 130, clear: 120), seconds: 120)
        ),
        (
            "threshold: clear only",
            Rules.heartRateHigh(),
            RuleOverride(rule: "hr_high", target: .device("wb-1"), clear: 115),
            .threshold(MetricBound(metric: "heart_rate", direction: .above, trigger: 120, clear: 115))
        ),
        (
            "threshold below: trigger shifts clear",
            Rules.spo2Low(),
            RuleOverride(rule: "spo2_low", target: .device("wb-1"), trigger: 88),
            .threshold(MetricBound(metric: "spo2", direction: .below, trigger: 88, clear: 91))
        ),
        (
            "absence: seconds",
            Rules.offline(),
            RuleOverride(rule: "offline", target: .device("wb-1"), seconds: 3600),
            .absence(.anyMessage, seconds: 3600, missedReports: 3)
        ),
        (
            "event: unchanged",
            Rules.fall(),
            RuleOverride(rule: "fall", target: .device("wb-1"), trigger: 3, seconds: 10),
            .event(EventMatch(["fall_detected"]), resolveOn: [])
        ),
    ])
    func conditionKinds(_ name: String, _ rule: AlertRule, _ change: RuleOverride, _ expected: RuleCondition) throws {
        let engine = try Fixture.engine([rule], overrides: [change])
        #expect(engine.rules(for: "wb-1").first?.condition == expected)
    }

    @Test("count override: trigger is the count, seconds the window")
    func countOverride() throws {
        let change = RuleOverride(rule: "face_fail", target: .device("door-3a"), trigger: 3, seconds: 60)
        var engine = try Fixture.engine([Rules.faceAuthFailures(scope: .device)], overrides: [change])
        #expect(engine.rules(for: "door-3a").first?.condition
            == .count(EventMatch(["face_auth_failed"]), count: 3, seconds: 60, scope: .device))
        var kinds: [AlertTransition.Kind] = []
        for index in 0..<3 {
            let now = Fixture.t0 + Int64(index) * 1000
            kinds += engine.receive(Fixture.event("door-3a", "face_auth_failed", ts: now), now: now).kinds
            kinds += engine.receive(Fixture.event("door-3b", "face_auth_failed", ts: now), now: now).kinds
        }
        #expect(kinds == [.opened])
    }

    @Test("override of the follow-up duration is used by the clock")
    func followUpOverride() throws {
        let change = RuleOverride(rule: "bed_exit_night", target: .device("mat-1"), seconds: 600, severity: .critical)
        var engine = try Fixture.engine([Rules.bedExitAtNight()], overrides: [change])
        let exitAt = Fixture.local("2026-03-02", 23)
        _ = engine.receive(Fixture.event("mat-1", "bed_exit", ts: 0), now: exitAt)
        let transitions = engine.tick(now: exitAt + 600_000)
        #expect(transitions.kinds == [.opened])
        #expect(transitions.first?.alert.severity == .critical)
        #expect(transitions.first?.alert.reading["waited_s"] == .number(600))
    }

    @Test("update(registry:) re-derives the rules")
    func updateRegistry() throws {
        var engine = try Fixture.engine([Rules.heartRateHigh()])
        var draft = Fixture.draft()
        draft.devices.removeAll { $0.id == "wb-2" }
        engine.update(registry: try RegistryValidator().validate(draft))
        #expect(engine.rules(for: "wb-2").isEmpty)
        #expect(engine.receive(Fixture.telemetry("wb-2", ["heart_rate": 200], ts: 0), now: Fixture.t0).isEmpty)
        #expect(engine.rules(for: "wb-1").count == 1)
    }
}
