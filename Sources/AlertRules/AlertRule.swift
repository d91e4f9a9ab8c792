import DeviceModel

/// One alert rule: what condition, on which device types, how severe, when active, how it resolves.
public struct AlertRule: Sendable, Hashable, Codable {
    public var id: String
    /// Chinese title shown on the console and used in messages (e.g. 跌倒报警).
    public var title: String
    public var severity: Severity
    /// Device types this rule applies to by default (the default rule set of each type).
    public var appliesTo: Set<DeviceType>
    public var condition: RuleCondition
    /// When the rule may raise; `nil` = always. Clearing is never restricted.
    public var window: ActiveWindow?
    /// Whether the alert resolves itself when the condition clears (threshold, sustained, absence,
    /// follow-up; event rules with `resolveOn`). Otherwise a person resolves it.
    public var autoResolve: Bool
    /// Escalation when nobody acknowledges; `nil` = the severity's default ladder.
    public var escalation: EscalationPolicy?
    /// Acknowledged but unresolved this long (seconds): the acknowledging level is reminded; as long again
    /// and the alert escalates one level (then reminds there). `nil` = an acknowledgement is trusted.
    public var reminderAfter: Int?

    public init(
        id: String, title: String, severity: Severity, appliesTo: Set<DeviceType>, condition: RuleCondition,
        window: ActiveWindow? = nil, autoResolve: Bool = true, escalation: EscalationPolicy? = nil, reminderAfter: Int? = nil
    ) {
        self.reminderAfter = reminderAfter
        self.id = id
        self.title = title
        self.severity = severity
        self.appliesTo = appliesTo
        self.condition = condition
        self.window = window
        self.autoResolve = autoResolve
        self.escalation = escalation
    }
}

/// The kinds of condition a rule can watch.
public enum RuleCondition: Sendable, Hashable, Codable {
    /// Raise on a sample beyond `trigger`; clear only on a sample beyond `clear` (hysteresis).
    case threshold(MetricBound)
    /// Raise once samples beyond `trigger` have held for `seconds` (device time); clear like threshold.
    case sustained(MetricBound, seconds: Int)
    /// Raise at once on a matching event; resolve on one of `resolveOn` when auto-resolving.
    case event(EventMatch, resolveOn: Set<String>)
    /// Raise when `count` matching events arrive within `seconds` in one scope (device, building, grid).
    case count(EventMatch, count: Int, seconds: Int, scope: RuleScope)
    /// Raise when a device sends nothing (or no activity) for `seconds`; `seconds == nil` means
    /// `missedReports` × the device's reporting interval.
    case absence(AbsenceKind, seconds: Int?, missedReports: Int)
    /// Raise when `trigger` is not followed by `expect` within `seconds` (bed exit without return).
    case missingFollowUp(trigger: EventMatch, expect: EventMatch, seconds: Int)
    /// Raise one combined alert when every part has been seen in one scope within `seconds`.
    case correlation([EventMatch], seconds: Int, scope: RuleScope)
}

/// A metric compared with a trigger value, clearing at a separate value (hysteresis).
public struct MetricBound: Sendable, Hashable, Codable {
    public var metric: String
    public var direction: Direction
    public var trigger: Double
    public var clear: Double

    public enum Direction: String, Sendable, Hashable, Codable {
        /// Raise when value > trigger; clear when value < clear (clear ≤ trigger).
        case above
        /// Raise when value < trigger; clear when value > clear (clear ≥ trigger).
        case below
    }

    public init(metric: String, direction: Direction, trigger: Double, clear: Double? = nil) {
        self.metric = metric
        self.direction = direction
        self.trigger = trigger
        self.clear = clear ?? trigger
    }

    func triggers(_ value: Double) -> Bool { direction == .above ? value > trigger : value < trigger }
    func clears(_ value: Double) -> Bool { direction == .above ? value < clear : value > clear }
}

/// Matches events by name and, optionally, fields of `data` (numbers at least the given value,
/// strings equal).
public struct EventMatch: Sendable, Hashable, Codable {
    public var names: Set<String>
    public var data: [String: JSONValue]

    public init(_ names: Set<String>, data: [String: JSONValue] = [:]) {
        self.names = names
        self.data = data
    }

    func matches(_ name: String, _ payload: [String: JSONValue]) -> Bool {
        guard names.contains(name) else { return false }
        for (key, expected) in data {
            guard let actual = payload[key] else { return false }
            switch (expected, actual) {
            case let (.number(minimum), .number(value)): if value < minimum { return false }
            default: if expected != actual { return false }
            }
        }
        return true
    }
}

/// What "one place" means for count and correlation rules.
public enum RuleScope: String, Sendable, Hashable, Codable, CaseIterable {
    case device
    case building
    case grid
}

/// What counts as a sign of life for an absence rule.
public enum AbsenceKind: String, Sendable, Hashable, Codable {
    /// Any accepted message: the device is offline when silent.
    case anyMessage = "any"
    /// Activity of the person watched: movement/presence readings above zero, steps, bed exits or entries.
    case activity
}

/// Who is answerable after how long without acknowledgement.
public struct EscalationPolicy: Sendable, Hashable, Codable {
    /// Seconds after opening at which the alert moves to the community, then to the street; `nil` = never.
    public var toCommunityAfter: Int?
    public var toStreetAfter: Int?

    public init(toCommunityAfter: Int?, toStreetAfter: Int?) {
        self.toCommunityAfter = toCommunityAfter
        self.toStreetAfter = toStreetAfter
    }

    /// Defaults per severity: critical 5 min → community, 15 min → street; major 15 / 60 min;
    /// warning 60 min → community only; info never.
    public static func `default`(for severity: Severity) -> EscalationPolicy {
        switch severity {
        case .critical: EscalationPolicy(toCommunityAfter: 300, toStreetAfter: 900)
        case .major: EscalationPolicy(toCommunityAfter: 900, toStreetAfter: 3600)
        case .warning: EscalationPolicy(toCommunityAfter: 3600, toStreetAfter: nil)
        case .info: EscalationPolicy(toCommunityAfter: nil, toStreetAfter: nil)
        }
    }

    /// The level an unacknowledged alert opened at `openedAt` should be at, at `now`.
    public func level(openedAt: Int64, now: Int64) -> EscalationLevel {
        let elapsed = now - openedAt
        if let street = toStreetAfter, elapsed >= Int64(street) * 1000 { return .street }
        if let community = toCommunityAfter, elapsed >= Int64(community) * 1000 { return .community }
        return .grid
    }
}
