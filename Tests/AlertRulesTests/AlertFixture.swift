import AlertRules
import DeviceModel

/// A registry built in code (the approach of `DeviceModelTests/RegistryFixture.swift`), rules, messages and
/// local-time helpers shared by the alert-rule tests. Every time is epoch milliseconds, passed explicitly.
///
/// Community `c1` (grid `330106005001`):
/// - building 3: `wb-1` (wristband of `r1`, reports every 60 s), `mat-1` (mattress of `r1`), `wb-2` (wristband
///   of `r2`), `smoke-3`, `gas-3`, `door-3a`, `door-3b`
/// - building 4: `smoke-4`; building 5: `door-5`; `gas-9` is decommissioned
///
/// Community `c2` (grid `330106005002`): `smoke-c2` in its building 3.
enum Fixture {
    static let gatewayID = "gw-test"
    static let community = "c1"
    static let grid = "330106005001"
    static let otherCommunity = "c2"
    static let otherGrid = "330106005002"
    static let installer = "inst-1"
    static let resident = "r1"
    static let otherResident = "r2"

    /// Monday 2026-03-02 10:00 in local time (+08:00), the start of most tests.
    static let t0: Int64 = local("2026-03-02", 10)

    /// The instant of a local (+08:00) wall-clock time.
    static func local(_ date: String, _ hour: Int, _ minute: Int = 0, _ second: Int = 0, utcOffsetHours: Int = 8) -> Int64 {
        let day = RuleCalendar.dayNumber(date)!
        let seconds = Int64(day) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(utcOffsetHours * 3600)
        return seconds * 1000
    }

    // MARK: - Registry

    static func communityDraft(id: String, grid: String) -> CommunityDraft {
        var draft = CommunityDraft()
        draft.id = id
        draft.name = "Community \(id)"
        draft.address = "1 Test Road"
        draft.street = "Test Street Office"
        var gridDraft = GridDraft()
        gridDraft.code = grid
        gridDraft.name = "Grid of \(id)"
        draft.grids = [gridDraft]
        return draft
    }

    static func residentDraft(id: String, community: String = community) -> ResidentDraft {
        var draft = ResidentDraft()
        draft.id = id
        draft.name = "Resident \(id)"
        draft.community = community
        draft.building = "3"
        draft.unit = "2"
        draft.room = "501"
        draft.livesAlone = "true"
        var relative = RelativeDraft()
        relative.name = "Relative"
        relative.relation = "daughter"
        relative.phone = "13957123456"
        draft.relatives = [relative]
        return draft
    }

    static func deviceDraft(
        id: String, type: String, building: String = "3", community: String = community, grid: String = grid,
        resident: String? = nil, state: String = "commissioned", reportInterval: String? = nil
    ) -> DeviceDraft {
        var draft = DeviceDraft()
        draft.id = id
        draft.type = type
        draft.community = community
        draft.grid = grid
        draft.vendor = "Acme"
        draft.model = "M-1"
        draft.serial = "SN-\(id)"
        draft.installer = installer
        draft.state = state
        draft.resident = resident
        draft.building = building
        draft.unit = "2"
        draft.room = "501"
        draft.reportInterval = reportInterval
        return draft
    }

    static func draft() -> RegistryDraft {
        var draft = RegistryDraft()
        draft.gatewayID = gatewayID
        draft.communities = [communityDraft(id: community, grid: grid), communityDraft(id: otherCommunity, grid: otherGrid)]
        var installerDraft = InstallerDraft()
        installerDraft.id = installer
        installerDraft.name = "Installer"
        draft.installers = [installerDraft]
        draft.residents = [residentDraft(id: resident), residentDraft(id: otherResident)]
        draft.devices = [
            deviceDraft(id: "wb-1", type: "wristband", resident: resident, reportInterval: "60s"),
            deviceDraft(id: "mat-1", type: "mattress", resident: resident),
            deviceDraft(id: "wb-2", type: "wristband", resident: otherResident),
            deviceDraft(id: "smoke-3", type: "smoke_sensor"),
            deviceDraft(id: "gas-3", type: "gas_sensor"),
            deviceDraft(id: "door-3a", type: "access_terminal"),
            deviceDraft(id: "door-3b", type: "access_terminal"),
            deviceDraft(id: "smoke-4", type: "smoke_sensor", building: "4"),
            deviceDraft(id: "door-5", type: "access_terminal", building: "5"),
            deviceDraft(id: "gas-9", type: "gas_sensor", state: "decommissioned"),
            deviceDraft(id: "smoke-c2", type: "smoke_sensor", community: otherCommunity, grid: otherGrid),
        ]
        return draft
    }

    static func registry() throws -> DeviceRegistry {
        try RegistryValidator().validate(draft())
    }

    static func ruleBook(
        _ rules: [AlertRule], overrides: [RuleOverride] = [], calendar: RuleCalendar = RuleCalendar(),
        flapGuard: FlapGuard = FlapGuard()
    ) -> RuleBook {
        RuleBook(rules: rules, overrides: overrides, calendar: calendar, flapGuard: flapGuard)
    }

    static func engine(
        _ rules: [AlertRule], overrides: [RuleOverride] = [], calendar: RuleCalendar = RuleCalendar(),
        flapGuard: FlapGuard = FlapGuard(), silences: [Silence] = [], startedAt: Int64 = t0
    ) throws -> AlertEngine {
        AlertEngine(
            ruleBook: ruleBook(rules, overrides: overrides, calendar: calendar, flapGuard: flapGuard),
            registry: try registry(), state: EngineState(startedAt: startedAt), silences: silences
        )
    }

    // MARK: - Messages

    static func communityOf(_ device: String) -> String { device == "smoke-c2" ? otherCommunity : community }

    static func telemetry(_ device: String, _ metrics: [String: Double], ts: Int64) -> DeviceMessage {
        DeviceMessage(deviceID: device, community: communityOf(device), ts: ts, body: .telemetry(metrics), format: "canonical")
    }

    static func event(_ device: String, _ name: String, _ data: [String: JSONValue] = [:], ts: Int64) -> DeviceMessage {
        DeviceMessage(deviceID: device, community: communityOf(device), ts: ts, body: .event(name: name, data: data),
                      format: "canonical")
    }

    static func status(_ device: String, online: Bool, ts: Int64) -> DeviceMessage {
        DeviceMessage(deviceID: device, community: communityOf(device), ts: ts, body: .status(online: online), format: "canonical")
    }

    static func key(_ rule: String, device: String) -> AlertKey { AlertKey(rule: rule, scope: "device:\(device)") }
}

/// The rules used by the tests: small, explicit, one per condition kind.
enum Rules {
    /// Heart rate above 120, clearing below 100.
    static func heartRateHigh(severity: Severity = .warning, autoResolve: Bool = true, window: ActiveWindow? = nil) -> AlertRule {
        AlertRule(
            id: "hr_high", title: "心率过高", severity: severity, appliesTo: [.wristband, .mattress],
            condition: .threshold(MetricBound(metric: "heart_rate", direction: .above, trigger: 120, clear: 100)),
            window: window, autoResolve: autoResolve
        )
    }

    /// SpO2 below 90, clearing above 93.
    static func spo2Low(autoResolve: Bool = true) -> AlertRule {
        AlertRule(
            id: "spo2_low", title: "血氧过低", severity: .major, appliesTo: [.wristband],
            condition: .threshold(MetricBound(metric: "spo2", direction: .below, trigger: 90, clear: 93)),
            autoResolve: autoResolve
        )
    }

    /// Heart rate above 120 for 60 s (device time), clearing below 110.
    static func sustainedHeartRate() -> AlertRule {
        AlertRule(
            id: "hr_sustained", title: "持续心率过高", severity: .major, appliesTo: [.wristband],
            condition: .sustained(MetricBound(metric: "heart_rate", direction: .above, trigger: 120, clear: 110), seconds: 60)
        )
    }

    /// A fall raises a critical alert that a person must resolve.
    static func fall(window: ActiveWindow? = nil, escalation: EscalationPolicy? = nil) -> AlertRule {
        AlertRule(
            id: "fall", title: "跌倒报警", severity: .critical, appliesTo: [.wristband],
            condition: .event(EventMatch(["fall_detected"]), resolveOn: []), window: window, autoResolve: false,
            escalation: escalation
        )
    }

    /// Gas alarm of level 2 or more, resolved by `gas_clear`.
    static func gasAlarm() -> AlertRule {
        AlertRule(
            id: "gas", title: "燃气泄漏", severity: .critical, appliesTo: [.gasSensor],
            condition: .event(EventMatch(["gas_alarm"], data: ["level": .number(2)]), resolveOn: ["gas_clear"])
        )
    }

    /// Five failed face authentications within 120 s.
    static func faceAuthFailures(scope: RuleScope) -> AlertRule {
        AlertRule(
            id: "face_fail", title: "人脸识别多次失败", severity: .warning, appliesTo: [.accessTerminal],
            condition: .count(EventMatch(["face_auth_failed"]), count: 5, seconds: 120, scope: scope)
        )
    }

    /// Offline after three missed reports.
    static func offline() -> AlertRule {
        AlertRule(
            id: "offline", title: "设备离线", severity: .warning, appliesTo: [.wristband],
            condition: .absence(.anyMessage, seconds: nil, missedReports: 3)
        )
    }

    /// No activity on the mattress for 4 h, only raised 08:00–20:00 local.
    static func inactivity() -> AlertRule {
        AlertRule(
            id: "inactive", title: "长时间无活动", severity: .major, appliesTo: [.mattress],
            condition: .absence(.activity, seconds: 4 * 3600, missedReports: 0),
            window: ActiveWindow(fromMinute: 8 * 60, toMinute: 20 * 60)
        )
    }

    /// At night (22:00–06:00), a bed exit not followed by a bed entry within 30 min.
    static func bedExitAtNight() -> AlertRule {
        AlertRule(
            id: "bed_exit_night", title: "夜间离床未归", severity: .major, appliesTo: [.mattress],
            condition: .missingFollowUp(trigger: EventMatch(["bed_exit"]), expect: EventMatch(["bed_enter"]), seconds: 1800),
            window: ActiveWindow(fromMinute: 22 * 60, toMinute: 6 * 60)
        )
    }

    /// Smoke and gas in one building within 5 min.
    static func fireAndGas(seconds: Int = 300) -> AlertRule {
        AlertRule(
            id: "fire_gas", title: "烟雾与燃气同时报警", severity: .critical, appliesTo: [.smokeSensor, .gasSensor],
            condition: .correlation([EventMatch(["smoke_alarm"]), EventMatch(["gas_alarm"])], seconds: seconds, scope: .building)
        )
    }
}

extension [AlertTransition] {
    var kinds: [AlertTransition.Kind] { map(\.kind) }

    func of(_ kind: AlertTransition.Kind) -> [AlertTransition] { filter { $0.kind == kind } }
}
