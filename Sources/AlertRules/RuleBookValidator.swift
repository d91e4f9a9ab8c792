import DeviceModel
import Foundation

/// Checks a ``RuleBookDraft`` against the registry and builds the ``RuleBook`` and silences. Pure: every problem
/// becomes a ``ValidationIssue`` with its location, all at once.
///
/// A rule has `id`, `title` (Chinese), `severity` (`info`|`warning`|`major`|`critical`), `applies_to`
/// (device types: the default rule set of each type), exactly one condition (see ``RuleConditionKind``), and
/// optionally `active` (`from`/`to` local `HH:MM`, `days`: `all`|`workdays`|`rest_days`|list of `mon`…`sun`),
/// `auto_resolve` (bool), `escalation` (`community_after`, `street_after` durations) and `reminder_after` (a
/// duration: an acknowledged, unresolved alert reminds, then escalates).
/// `settings`: `utc_offset` (default `+08:00`), `holidays` and `extra_workdays` (dates), `flap_guard`
/// (`openings`, `window`, `hold`). `overrides[]`: `rule`, `device` or `resident`, then `enabled`, `above`/
/// `below` (new trigger), `clear_below`/`clear_above`, `for`/`within`, `count`, `severity`.
/// `silences[]`: `device`|`community`|`rule`, `from`, `until` (ISO 8601), `reason`, `by`.
public struct RuleBookValidator: Sendable {
    /// Keys of `settings` read elsewhere (forwarding, retention …), accepted here without meaning.
    public var otherSettingKeys: Set<String>

    public init(otherSettingKeys: Set<String> = []) {
        self.otherSettingKeys = otherSettingKeys
    }

    public struct Result: Sendable {
        public var ruleBook: RuleBook
        public var silences: [Silence]
        public var issues: [ValidationIssue]
    }

    public func validate(_ draft: RuleBookDraft, registry: DeviceRegistry?) -> Result {
        var issues: [ValidationIssue] = []
        let top = DraftReader(.record(draft.document), path: "", location: draft.document.origins.record,
                              allowedKeys: Set(draft.document.values.keys), issues: &issues)!
        let (calendar, flapGuard) = readSettings(top, issues: &issues)

        var rules: [AlertRule] = []
        for record in top.records("rules", allowedKeys: AlertRule.draftKeys, issues: &issues) {
            guard let rule = readRule(record, issues: &issues) else { continue }
            if rules.contains(where: { $0.id == rule.id }) {
                issues.append(record.issue("id", "duplicate rule id \"\(rule.id)\""))
            } else {
                rules.append(rule)
            }
        }
        let overrideKeys: Set<String> = ["rule", "device", "resident", "enabled", "above", "below", "clear_below",
                                         "clear_above", "for", "within", "count", "severity"]
        let overrides = top.records("overrides", allowedKeys: overrideKeys, issues: &issues).compactMap {
            readOverride($0, rules: rules, registry: registry, issues: &issues)
        }
        let silenceKeys: Set<String> = ["device", "community", "rule", "from", "until", "reason", "by"]
        let silences = top.records("silences", allowedKeys: silenceKeys, issues: &issues).enumerated().compactMap {
            readSilence($1, index: $0, rules: rules, registry: registry, issues: &issues)
        }
        let book = RuleBook(rules: rules, overrides: overrides, calendar: calendar, flapGuard: flapGuard)
        return Result(ruleBook: book, silences: silences, issues: issues)
    }

    private func readSettings(_ top: DraftReader, issues: inout [ValidationIssue]) -> (RuleCalendar, FlapGuard) {
        var calendar = RuleCalendar()
        var flapGuard = FlapGuard()
        let keys: Set<String> = ["utc_offset", "holidays", "extra_workdays", "flap_guard"]
        guard let settings = top.nested("settings", allowedKeys: keys.union(otherSettingKeys), issues: &issues) else {
            return (calendar, flapGuard)
        }
        if let text = settings.text("utc_offset", issues: &issues) {
            if let offset = Self.utcOffset(text) { calendar.utcOffsetSeconds = offset } else {
                issues.append(settings.issue("utc_offset", "expected an offset like +08:00, found \"\(text)\""))
            }
        }
        calendar.holidays = days(settings, "holidays", issues: &issues)
        calendar.extraWorkdays = days(settings, "extra_workdays", issues: &issues)
        if let guardRecord = settings.nested("flap_guard", allowedKeys: ["openings", "window", "hold"], issues: &issues) {
            flapGuard.openings = guardRecord.count("openings", minimum: 2, issues: &issues) ?? flapGuard.openings
            flapGuard.windowSeconds = guardRecord.duration("window", issues: &issues) ?? flapGuard.windowSeconds
            flapGuard.holdSeconds = guardRecord.duration("hold", issues: &issues) ?? flapGuard.holdSeconds
        }
        return (calendar, flapGuard)
    }

    private func readRule(_ record: DraftReader, issues: inout [ValidationIssue]) -> AlertRule? {
        let before = issues.count
        let id = record.text("id", issues: &issues)
        if id == nil { issues.append(record.issue("id", "`id` is required")) }
        if let id, !ContactRules.isValidIdentifier(id) { issues.append(record.issue("id", "rule id \"\(id)\" must be an identifier")) }
        let title = record.text("title", issues: &issues)
        if title == nil { issues.append(record.issue("title", "`title` is required (Chinese, shown to operators)")) }
        var severity = Severity.warning
        if let text = record.text("severity", issues: &issues) {
            if let value = Severity(rawValue: text) { severity = value } else {
                issues.append(record.issue("severity", "unknown severity \"\(text)\" (expected one of: info, warning, major, critical)"))
            }
        } else {
            issues.append(record.issue("severity", "`severity` is required"))
        }
        var types: Set<DeviceType> = []
        for text in record.textList("applies_to", issues: &issues) ?? [] {
            if let type = DeviceType(rawValue: text) { types.insert(type) } else {
                issues.append(record.issue("applies_to", "unknown device type \"\(text)\""))
            }
        }
        if !record.has("applies_to") { issues.append(record.issue("applies_to", "`applies_to` lists the device types the rule watches")) }
        let present = RuleConditionKind.allCases.filter { record.has($0.rawValue) }
        guard present.count == 1, let kind = present.first else {
            let names = RuleConditionKind.allCases.map(\.rawValue).joined(separator: ", ")
            issues.append(record.issue(nil, "a rule needs exactly one condition: \(names)"))
            return nil
        }
        var condition: RuleCondition?
        if let body = record.nested(kind.rawValue, allowedKeys: kind.keys, issues: &issues) {
            condition = kind.read(body, types: types, issues: &issues)
        }
        let window = record.nested("active", allowedKeys: ["from", "to", "days"], issues: &issues).map {
            Self.readWindow($0, issues: &issues)
        }
        let autoResolve = record.bool("auto_resolve", issues: &issues) ?? true
        var escalation: EscalationPolicy?
        if let ladder = record.nested("escalation", allowedKeys: ["community_after", "street_after"], issues: &issues) {
            escalation = EscalationPolicy(toCommunityAfter: ladder.duration("community_after", issues: &issues),
                                          toStreetAfter: ladder.duration("street_after", issues: &issues))
        }
        let reminderAfter = record.duration("reminder_after", issues: &issues)
        guard issues.count == before, let id, let title, let condition else { return nil }
        return AlertRule(id: id, title: title, severity: severity, appliesTo: types, condition: condition, window: window,
                         autoResolve: autoResolve, escalation: escalation, reminderAfter: reminderAfter)
    }

    /// `active`: `from`/`to` local `HH:MM`, `days`.
    public static func readWindow(_ record: DraftReader, issues: inout [ValidationIssue]) -> ActiveWindow {
        var window = ActiveWindow()
        for key in ["from", "to"] {
            guard let text = record.text(key, issues: &issues) else { continue }
            guard let minute = minuteOfDay(text) else {
                issues.append(record.issue(key, "expected a local time HH:MM, found \"\(text)\""))
                continue
            }
            if key == "from" { window.fromMinute = minute } else { window.toMinute = minute }
        }
        if case .list? = record.value("days") {
            let names = ["mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7]
            var set = Set<Int>()
            for day in record.textList("days", issues: &issues) ?? [] {
                if let number = names[day.lowercased()] { set.insert(number) } else {
                    issues.append(record.issue("days", "unknown day \"\(day)\" (mon … sun)"))
                }
            }
            window.days = .weekdays(set)
        } else if let text = record.text("days", issues: &issues) {
            switch text {
            case "all": window.days = .all
            case "workdays": window.days = .workdays
            case "rest_days": window.days = .restDays
            default: issues.append(record.issue("days", "expected all, workdays, rest_days or a list of days"))
            }
        }
        return window
    }

    private func readOverride(_ record: DraftReader, rules: [AlertRule], registry: DeviceRegistry?,
                              issues: inout [ValidationIssue]) -> RuleOverride? {
        let before = issues.count
        let ruleID = record.text("rule", issues: &issues)
        if let ruleID, !rules.contains(where: { $0.id == ruleID }) { issues.append(record.issue("rule", "unknown rule \"\(ruleID)\"")) }
        if ruleID == nil { issues.append(record.issue("rule", "`rule` is required")) }
        let device = record.text("device", issues: &issues), resident = record.text("resident", issues: &issues)
        var target: RuleOverride.Target?
        switch (device, resident) {
        case let (id?, nil):
            target = .device(id)
            if let registry, registry.device(id) == nil { issues.append(record.issue("device", "unknown device \"\(id)\"")) }
        case let (nil, id?):
            target = .resident(id)
            if let registry, registry.resident(id) == nil { issues.append(record.issue("resident", "unknown resident \"\(id)\"")) }
        default:
            issues.append(record.issue(nil, "an override names exactly one `device` or `resident`"))
        }
        var change = RuleOverride(rule: ruleID ?? "", target: target ?? .device(""))
        if let text = record.text("enabled", issues: &issues) { change.enabled = ["true", "yes"].contains(text.lowercased()) }
        change.trigger = record.number("above", issues: &issues) ?? record.number("below", issues: &issues)
            ?? record.number("count", issues: &issues)
        change.clear = record.number("clear_below", issues: &issues) ?? record.number("clear_above", issues: &issues)
        change.seconds = record.duration("for", issues: &issues) ?? record.duration("within", issues: &issues)
        if let text = record.text("severity", issues: &issues) {
            change.severity = Severity(rawValue: text)
            if change.severity == nil { issues.append(record.issue("severity", "unknown severity \"\(text)\"")) }
        }
        return issues.count == before ? change : nil
    }

    private func readSilence(_ record: DraftReader, index: Int, rules: [AlertRule], registry: DeviceRegistry?,
                             issues: inout [ValidationIssue]) -> Silence? {
        let before = issues.count
        var target: Silence.Target?
        if let id = record.text("device", issues: &issues) {
            target = .device(id)
            if let registry, registry.device(id) == nil { issues.append(record.issue("device", "unknown device \"\(id)\"")) }
        } else if let id = record.text("community", issues: &issues) {
            target = .community(id)
            if let registry, registry.community(id) == nil { issues.append(record.issue("community", "unknown community \"\(id)\"")) }
        } else if let id = record.text("rule", issues: &issues) {
            target = .rule(id)
            if !rules.contains(where: { $0.id == id }) { issues.append(record.issue("rule", "unknown rule \"\(id)\"")) }
        } else {
            issues.append(record.issue(nil, "a silence names a `device`, `community` or `rule`"))
        }
        let from = Self.instant(record, "from", issues: &issues), until = Self.instant(record, "until", issues: &issues)
        if from == nil { issues.append(record.issue("from", "`from` is required (ISO 8601, e.g. 2026-11-20T09:00:00+08:00)")) }
        if until == nil { issues.append(record.issue("until", "`until` is required")) }
        if let from, let until, until <= from { issues.append(record.issue("until", "`until` must be after `from`")) }
        let reason = record.text("reason", issues: &issues) ?? ""
        let by = record.text("by", issues: &issues) ?? "config"
        guard issues.count == before, let target, let from, let until else { return nil }
        return Silence(id: "config-\(index)", target: target, from: from, until: until, reason: reason, createdBy: by)
    }

    // MARK: - Scalars

    private func days(_ record: DraftReader, _ key: String, issues: inout [ValidationIssue]) -> Set<Int> {
        var result = Set<Int>()
        for text in record.textList(key, issues: &issues) ?? [] {
            if let day = RuleCalendar.dayNumber(text) { result.insert(day) } else {
                issues.append(record.issue(key, "expected dates YYYY-MM-DD, found \"\(text)\""))
            }
        }
        return result
    }

    static func instant(_ record: DraftReader, _ key: String, issues: inout [ValidationIssue]) -> Int64? {
        guard let text = record.text(key, issues: &issues) else { return nil }
        guard let date = ISO8601DateFormatter().date(from: text) else {
            issues.append(record.issue(key, "expected an ISO 8601 time with offset, e.g. 2026-11-20T09:00:00+08:00"))
            return nil
        }
        return Int64(date.timeIntervalSince1970 * 1000)
    }

    public static func utcOffset(_ text: String) -> Int? {
        let sign: Int
        switch text.first {
        case "+": sign = 1
        case "-": sign = -1
        default: return nil
        }
        let parts = text.dropFirst().split(separator: ":")
        guard parts.count == 2, let hours = Int(parts[0]), let minutes = Int(parts[1]), (0...14).contains(hours), (0..<60).contains(minutes)
        else { return nil }
        return sign * (hours * 3600 + minutes * 60)
    }

    public static func minuteOfDay(_ text: String) -> Int? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let hours = Int(parts[0]), let minutes = Int(parts[1]), (0..<24).contains(hours) || (hours == 24 && minutes == 0),
              (0..<60).contains(minutes) else { return nil }
        return (hours * 60 + minutes) % 1440
    }
}

extension AlertRule {
    /// The keys a rule record may have: its fields and one key per condition kind.
    static let draftKeys: Set<String> = Set(["id", "title", "severity", "applies_to", "active", "auto_resolve", "escalation",
                                                   "reminder_after"] + RuleConditionKind.allCases.map(\.rawValue))
}
