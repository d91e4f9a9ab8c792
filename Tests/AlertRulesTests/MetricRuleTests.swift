import AlertRules
import DeviceModel
import Foundation
import Testing

/// One sample and what it should produce: the transition kinds, in order.
struct Sample: Sendable, CustomTestStringConvertible {
    var value: Double
    var expect: [AlertTransition.Kind]

    init(_ value: Double, _ expect: [AlertTransition.Kind] = []) {
        self.value = value
        self.expect = expect
    }

    var testDescription: String { "\(value)→\(expect.map(\.rawValue))" }
}

@Suite("Threshold rules with hysteresis")
struct ThresholdRuleTests {
    @Test("samples against trigger and clear", arguments: [
        (
            "above 120, clear below 100", "heart_rate", Rules.heartRateHigh(),
            [
                Sample(120),              // exactly at the trigger: strictly above is needed
                Sample(120.5, [.opened]),
                Sample(110),              // between clear and trigger: neither clears nor re-raises
                Sample(125),              // still open, latched: no update
                Sample(100),              // exactly at clear: strictly below is needed
                Sample(99, [.resolved]),
                Sample(110),              // between, after clearing: no new alert
                Sample(121, [.opened]),
            ]
        ),
        (
            "below 90, clear above 93", "spo2", Rules.spo2Low(),
            [
                Sample(90),
                Sample(89, [.opened]),
                Sample(92),
                Sample(93),
                Sample(94, [.resolved]),
                Sample(91),
                Sample(85, [.opened]),
            ]
        ),
    ])
    func hysteresis(_ name: String, _ metric: String, _ rule: AlertRule, _ samples: [Sample]) throws {
        var engine = try Fixture.engine([rule])
        for (index, sample) in samples.enumerated() {
            let now = Fixture.t0 + Int64(index) * 10_000
            let transitions = engine.receive(Fixture.telemetry("wb-1", [metric: sample.value], ts: now), now: now)
            #expect(transitions.kinds == sample.expect, "sample \(index): \(sample.value)")
        }
    }

    @Test("opening records the reading, the device and where it is")
    func openedAlert() throws {
        var engine = try Fixture.engine([Rules.heartRateHigh(severity: .major)])
        let now = Fixture.t0
        let transitions = engine.receive(Fixture.telemetry("wb-1", ["heart_rate": 131], ts: now - 2000), now: now)
        let alert = try #require(transitions.first?.alert)
        #expect(transitions.count == 1)
        #expect(transitions[0].actor == "system")
        #expect(transitions[0].at == now)
        #expect(alert.rule == "hr_high")
        #expect(alert.key == Fixture.key("hr_high", device: "wb-1"))
        #expect(alert.device == "wb-1")
        #expect(alert.community == "c1")
        #expect(alert.grid == Fixture.grid)
        #expect(alert.resident == "r1")
        #expect(alert.location.building == "3")
        #expect(alert.location.room == "501")
        #expect(alert.severity == .major)
        #expect(alert.title == "心率过高")
        #expect(alert.state == .open)
        #expect(alert.count == 1)
        #expect(alert.escalationLevel == .grid)
        #expect(alert.sourceTS == now - 2000)
        #expect(alert.openedAt == now)
        #expect(alert.reading == ["metric": .string("heart_rate"), "value": .number(131)])
        #expect(alert.id.hasPrefix("al-\(now)-"))
        #expect(engine.openAlert(alert.key) == alert)
        #expect(engine.state.alerts[alert.id] == alert)
    }

    @Test("clearing resolves as system and leaves the open state")
    func autoResolve() throws {
        var engine = try Fixture.engine([Rules.heartRateHigh()])
        let opened = engine.receive(Fixture.telemetry("wb-1", ["heart_rate": 130], ts: Fixture.t0), now: Fixture.t0)
        let id = try #require(opened.first?.alert.id)
        let now = Fixture.t0 + 60_000
        let resolved = engine.receive(Fixture.telemetry("wb-1", ["heart_rate": 80], ts: now), now: now)
        #expect(resolved.kinds == [.resolved])
        let transition = try #require(resolved.first)
        #expect(transition.actor == "system")
        #expect(transition.alert.id == id)
        #expect(transition.alert.state == .resolved)
        #expect(transition.alert.resolvedBy == "system")
        #expect(transition.alert.resolvedAt == now)
        #expect(engine.state.alerts[id] == nil)
        #expect(engine.state.openByKey[Fixture.key("hr_high", device: "wb-1")] == nil)
    }

    @Test("without autoResolve a clear leaves the alert open; the next trigger counts up")
    func noAutoResolve() throws {
        var engine = try Fixture.engine([Rules.heartRateHigh(autoResolve: false)])
        let key = Fixture.key("hr_high", device: "wb-1")
        let opened = engine.receive(Fixture.telemetry("wb-1", ["heart_rate": 130], ts: Fixture.t0), now: Fixture.t0)
        #expect(opened.kinds == [.opened])
        let cleared = engine.receive(Fixture.telemetry("wb-1", ["heart_rate": 70], ts: Fixture.t0 + 1000), now: Fixture.t0 + 1000)
        #expect(cleared.isEmpty)
        #expect(engine.openAlert(key)?.state == .open)
        let again = engine.receive(Fixture.telemetry("wb-1", ["heart_rate": 140], ts: Fixture.t0 + 2000), now: Fixture.t0 + 2000)
        #expect(again.kinds == [.updated])
        #expect(again.first?.alert.id == opened.first?.alert.id)
        #expect(again.first?.alert.count == 2)
    }

    @Test("messages without the metric, other channels and other devices are ignored")
    func irrelevantMessages() throws {
        var engine = try Fixture.engine([Rules.heartRateHigh()])
        let now = Fixture.t0
        #expect(engine.receive(Fixture.telemetry("wb-1", ["spo2": 80], ts: now), now: now).isEmpty)
        #expect(engine.receive(Fixture.event("wb-1", "fall_detected", ["heart_rate": .number(200)], ts: now), now: now).isEmpty)
        #expect(engine.receive(Fixture.status("wb-1", online: true, ts: now), now: now).isEmpty)
        #expect(engine.receive(Fixture.telemetry("smoke-3", ["heart_rate": 200], ts: now), now: now).isEmpty)
        #expect(engine.receive(Fixture.telemetry("unknown", ["heart_rate": 200], ts: now), now: now).isEmpty)
        #expect(engine.state.alerts.isEmpty)
    }

    @Test("a decommissioned device has no rules")
    func decommissioned() throws {
        let rule = AlertRule(
            id: "lel", title: "可燃气体浓度高", severity: .critical, appliesTo: [.gasSensor],
            condition: .threshold(MetricBound(metric: "lel", direction: .above, trigger: 20))
        )
        var engine = try Fixture.engine([rule])
        #expect(engine.rules(for: "gas-9").isEmpty)
        #expect(engine.rules(for: "gas-3") == [rule])
        #expect(engine.receive(Fixture.telemetry("gas-9", ["lel": 50], ts: Fixture.t0), now: Fixture.t0).isEmpty)
        #expect(engine.receive(Fixture.telemetry("gas-3", ["lel": 50], ts: Fixture.t0), now: Fixture.t0).kinds == [.opened])
    }

    @Test("clear defaults to the trigger")
    func clearDefaultsToTrigger() {
        let bound = MetricBound(metric: "lel", direction: .above, trigger: 20)
        #expect(bound.clear == 20)
    }

    @Test("one alert per device: two wristbands open two alerts")
    func perDevice() throws {
        var engine = try Fixture.engine([Rules.heartRateHigh()])
        let first = engine.receive(Fixture.telemetry("wb-1", ["heart_rate": 130], ts: Fixture.t0), now: Fixture.t0)
        let second = engine.receive(Fixture.telemetry("wb-2", ["heart_rate": 130], ts: Fixture.t0), now: Fixture.t0)
        #expect(first.kinds == [.opened])
        #expect(second.kinds == [.opened])
        #expect(first.first?.alert.id != second.first?.alert.id)
        #expect(engine.state.alerts.count == 2)
    }
}

/// A sustained-rule sample: device time offset and value, with gateway time always moving forward.
struct TimedSample: Sendable, CustomTestStringConvertible {
    var ts: Int64
    var value: Double
    var testDescription: String { "\(ts)ms:\(value)" }

    init(_ ts: Int64, _ value: Double) {
        self.ts = ts
        self.value = value
    }
}

@Suite("Sustained rules")
struct SustainedRuleTests {
    static let deviceBase: Int64 = 1_772_400_000_000

    /// Feeds samples (device time relative to `deviceBase`, gateway time one second apart) and returns the index
    /// of the sample that opened the alert, if any.
    static func firstOpening(_ engine: inout AlertEngine, _ samples: [TimedSample], gatewayStart: Int64 = Fixture.t0) -> Int? {
        var opening: Int?
        for (index, sample) in samples.enumerated() {
            let now = gatewayStart + Int64(index) * 1000
            let transitions = engine.receive(
                Fixture.telemetry("wb-1", ["heart_rate": sample.value], ts: deviceBase + sample.ts), now: now
            )
            if transitions.kinds.contains(.opened), opening == nil { opening = index }
        }
        return opening
    }

    @Test("raises once the condition held for the duration in device time", arguments: [
        ("held 60 s", [TimedSample(0, 130), TimedSample(30_000, 130), TimedSample(59_999, 130), TimedSample(60_000, 130)], 3 as Int?),
        ("not long enough", [TimedSample(0, 130), TimedSample(30_000, 130), TimedSample(59_999, 130)], nil),
        ("exactly at the trigger never starts it", [TimedSample(0, 120), TimedSample(60_000, 120), TimedSample(120_000, 120)], nil),
        (
            "a sample below the trigger resets the window",
            [TimedSample(0, 130), TimedSample(30_000, 115), TimedSample(40_000, 130), TimedSample(60_000, 130),
             TimedSample(99_999, 130), TimedSample(100_000, 130)],
            5
        ),
        (
            "a device clock jumping backwards restarts the window",
            [TimedSample(0, 130), TimedSample(50_000, 130), TimedSample(-10_000, 130), TimedSample(40_000, 130),
             TimedSample(49_999, 130), TimedSample(50_000, 130)],
            5
        ),
    ])
    func window(_ name: String, _ samples: [TimedSample], _ expected: Int?) throws {
        var engine = try Fixture.engine([Rules.sustainedHeartRate()])
        #expect(Self.firstOpening(&engine, samples) == expected)
    }

    @Test("duration is measured in device time, not gateway time")
    func deviceTime() throws {
        var engine = try Fixture.engine([Rules.sustainedHeartRate()])
        // Gateway time jumps 10 minutes between the samples, device time only 10 s.
        let first = engine.receive(Fixture.telemetry("wb-1", ["heart_rate": 130], ts: Self.deviceBase), now: Fixture.t0)
        let second = engine.receive(
            Fixture.telemetry("wb-1", ["heart_rate": 130], ts: Self.deviceBase + 10_000), now: Fixture.t0 + 600_000
        )
        #expect(first.isEmpty)
        #expect(second.isEmpty)
    }

    @Test("hysteresis once raised: between clear and trigger holds, below clear resolves")
    func clearing() throws {
        var engine = try Fixture.engine([Rules.sustainedHeartRate()])
        let samples = [TimedSample(0, 130), TimedSample(60_000, 130)]
        #expect(Self.firstOpening(&engine, samples) == 1)
        func send(_ ts: Int64, _ value: Double) -> [AlertTransition.Kind] {
            engine.receive(Fixture.telemetry("wb-1", ["heart_rate": value], ts: Self.deviceBase + ts), now: Fixture.t0 + ts).kinds
        }
        #expect(send(70_000, 135) == [])
        #expect(send(80_000, 115) == [])
        #expect(send(90_000, 110) == [])
        #expect(send(100_000, 109) == [.resolved])
        // A new episode needs a full window again.
        #expect(send(110_000, 130) == [])
        #expect(send(169_999, 130) == [])
        #expect(send(170_000, 130) == [.opened])
    }

    @Test("restart in the middle of a sustained window: the persisted state raises at the same point")
    func restartMidWindow() throws {
        let rules = [Rules.sustainedHeartRate()]
        let before = [TimedSample(0, 130), TimedSample(30_000, 130)]
        let after = [TimedSample(45_000, 130), TimedSample(59_999, 130), TimedSample(60_000, 130)]

        // Uninterrupted run for comparison.
        var uninterrupted = try Fixture.engine(rules)
        #expect(Self.firstOpening(&uninterrupted, before + after) == 4)

        var first = try Fixture.engine(rules)
        #expect(Self.firstOpening(&first, before) == nil)
        let data = try JSONEncoder().encode(first.state)
        let decoded = try JSONDecoder().decode(EngineState.self, from: data)
        #expect(decoded == first.state)
        #expect(decoded.keys[Fixture.key("hr_sustained", device: "wb-1")]?.since == Self.deviceBase)

        var restarted = AlertEngine(ruleBook: Fixture.ruleBook(rules), registry: try Fixture.registry(), state: decoded)
        #expect(Self.firstOpening(&restarted, after, gatewayStart: Fixture.t0 + 3_600_000) == 2)
        let alert = try #require(restarted.state.alerts.values.first)
        #expect(alert.sourceTS == Self.deviceBase + 60_000)
    }

    @Test("an engine state with open alerts survives a JSON round trip")
    func stateRoundTrip() throws {
        var engine = try Fixture.engine([Rules.heartRateHigh(), Rules.fall(), Rules.fireAndGas()])
        _ = engine.receive(Fixture.telemetry("wb-1", ["heart_rate": 130], ts: Fixture.t0), now: Fixture.t0)
        _ = engine.receive(Fixture.event("wb-2", "fall_detected", ts: Fixture.t0), now: Fixture.t0 + 1)
        _ = engine.receive(Fixture.event("smoke-3", "smoke_alarm", ts: Fixture.t0), now: Fixture.t0 + 2)
        let decoded = try JSONDecoder().decode(EngineState.self, from: JSONEncoder().encode(engine.state))
        #expect(decoded == engine.state)
        #expect(decoded.alerts.count == 2)
        #expect(decoded.openByKey.count == 2)
    }
}
