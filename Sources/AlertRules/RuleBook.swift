import DeviceModel

/// All rules, with per-device and per-resident overrides, the calendar for time windows and the
/// flapping guard. Pure data; ``rules(for:)`` resolves the effective rule set of one device.
public struct RuleBook: Sendable, Hashable, Codable {
    public var rules: [AlertRule]
    public var overrides: [RuleOverride]
    public var calendar: RuleCalendar
    public var flapGuard: FlapGuard

    public init(rules: [AlertRule], overrides: [RuleOverride] = [], calendar: RuleCalendar = RuleCalendar(),
                flapGuard: FlapGuard = FlapGuard()) {
        self.rules = rules
        self.overrides = overrides
        self.calendar = calendar
        self.flapGuard = flapGuard
    }

    public func rule(_ id: String) -> AlertRule? { rules.first { $0.id == id } }

    /// Whether some override names `device` or its resident: every other device's rules follow from its type
    /// alone (``rules(for:)`` looks at nothing else), so an index of 100,000 devices resolves each type once.
    public func overrides(_ device: Device, in targets: OverrideTargets) -> Bool {
        targets.devices.contains(device.id) || device.resident.map(targets.residents.contains) ?? false
    }

    /// The device and resident ids the overrides name.
    public var overrideTargets: OverrideTargets {
        var targets = OverrideTargets()
        for override in overrides {
            switch override.target {
            case let .device(id): targets.devices.insert(id)
            case let .resident(id): targets.residents.insert(id)
            }
        }
        return targets
    }

    public struct OverrideTargets: Sendable {
        public var devices: Set<String> = []
        public var residents: Set<String> = []
    }

    /// The rules that apply to `device`: its type's default set, with resident overrides applied first
    /// and device overrides over them; disabled rules left out.
    public func rules(for device: Device) -> [AlertRule] {
        rules.compactMap { rule in
            guard rule.appliesTo.contains(device.type) else { return nil }
            var effective = rule
            let applicable = overrides.filter { $0.rule == rule.id }
            let residentOverrides = applicable.filter { if case let .resident(id) = $0.target { id == device.resident } else { false } }
            let deviceOverrides = applicable.filter { $0.target == .device(device.id) }
            var enabled = true
            for change in residentOverrides + deviceOverrides {
                if let value = change.enabled { enabled = value }
                change.apply(to: &effective)
            }
            return enabled ? effective : nil
        }
    }
}

/// A change to one rule for one device or for every monitor of one resident.
public struct RuleOverride: Sendable, Hashable, Codable {
    public enum Target: Sendable, Hashable, Codable {
        case device(String)
        case resident(String)
    }

    public var rule: String
    public var target: Target
    public var enabled: Bool?
    public var trigger: Double?
    public var clear: Double?
    public var seconds: Int?
    public var severity: Severity?

    public init(rule: String, target: Target, enabled: Bool? = nil, trigger: Double? = nil, clear: Double? = nil,
                seconds: Int? = nil, severity: Severity? = nil) {
        self.rule = rule
        self.target = target
        self.enabled = enabled
        self.trigger = trigger
        self.clear = clear
        self.seconds = seconds
        self.severity = severity
    }

    func apply(to rule: inout AlertRule) {
        if let severity { rule.severity = severity }
        switch rule.condition {
        case var .threshold(bound):
            adjust(&bound)
            rule.condition = .threshold(bound)
        case .sustained(var bound, let duration):
            adjust(&bound)
            rule.condition = .sustained(bound, seconds: seconds ?? duration)
        case let .count(match, count, duration, scope):
            rule.condition = .count(match, count: trigger.map { Int($0) } ?? count, seconds: seconds ?? duration, scope: scope)
        case let .absence(kind, duration, missed):
            rule.condition = .absence(kind, seconds: seconds ?? duration, missedReports: missed)
        case let .missingFollowUp(trigger, expect, duration):
            rule.condition = .missingFollowUp(trigger: trigger, expect: expect, seconds: seconds ?? duration)
        case let .correlation(parts, duration, scope):
            rule.condition = .correlation(parts, seconds: seconds ?? duration, scope: scope)
        case .event:
            break
        }
    }

    private func adjust(_ bound: inout MetricBound) {
        if let trigger {
            let shift = trigger - bound.trigger
            bound.trigger = trigger
            if clear == nil { bound.clear += shift }
        }
        if let clear { bound.clear = clear }
    }
}

/// Holds back auto-resolution of an alert that keeps clearing and returning.
public struct FlapGuard: Sendable, Hashable, Codable {
    /// This many openings of one (rule, scope) within `windowSeconds` make it flapping…
    public var openings: Int
    public var windowSeconds: Int
    /// …and then a clear resolves it only after the condition stayed clear this long.
    public var holdSeconds: Int

    public init(openings: Int = 3, windowSeconds: Int = 1800, holdSeconds: Int = 600) {
        self.openings = openings
        self.windowSeconds = windowSeconds
        self.holdSeconds = holdSeconds
    }
}

/// A maintenance window or silence: while it lasts, matching rules open no alerts (installers testing a
/// device must not wake anyone). Rule hits during it are counted, not lost silently.
public struct Silence: Sendable, Hashable, Codable {
    public enum Target: Sendable, Hashable, Codable {
        case device(String)
        case community(String)
        case rule(String)
    }

    public var id: String
    public var target: Target
    public var from: Int64
    public var until: Int64
    public var reason: String
    public var createdBy: String

    public init(id: String, target: Target, from: Int64, until: Int64, reason: String, createdBy: String) {
        self.id = id
        self.target = target
        self.from = from
        self.until = until
        self.reason = reason
        self.createdBy = createdBy
    }

    func covers(rule: String, device: Device, at now: Int64) -> Bool {
        guard now >= from, now < until else { return false }
        switch target {
        case let .device(id): return id == device.id
        case let .community(id): return id == device.community
        case let .rule(id): return id == rule
        }
    }
}
