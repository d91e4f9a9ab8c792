import AlertRules
import DeviceModel
import Foundation
import Yams

/// Reads the `settings`, `rules`, `overrides` and `silences` sections of `devices.yaml` into a
/// ``RuleBook`` and silences, checked against the registry. Every problem is reported with its
/// `file:line:column`.
///
/// A rule has `id`, `title` (Chinese), `severity` (`info`|`warning`|`major`|`critical`), `applies_to`
/// (device types: the default rule set of each type), exactly one condition, and optionally `active`
/// (`from`/`to` local `HH:MM`, `days`: `all`|`workdays`|`rest_days`|list of `mon`…`sun`), `auto_resolve`
/// (bool) and `escalation` (`community_after`, `street_after` durations). Conditions:
/// - `threshold: {metric, above|below, clear_below|clear_above}` — raise on one sample, clear with hysteresis;
/// - `sustained: {metric, above|below, clear_below|clear_above, for}` — raise when held `for` (device time);
/// - `event: {names, data, resolve_on}` — raise at once (data: numbers are minimums, text must equal);
/// - `count: {event|names, count, within, scope: device|building|grid}`;
/// - `absence: {of: any|activity, for | missed_reports}`;
/// - `follow_up: {trigger, expect, within}` — trigger not followed by expect in time;
/// - `correlation: {events, within, scope}` — every event seen in one scope within the window.
/// `settings`: `utc_offset` (default `+08:00`), `holidays` and `extra_workdays` (dates), `flap_guard`
/// (`openings`, `window`, `hold`). `overrides[]`: `rule`, `device` or `resident`, then `enabled`, `above`/
/// `below` (new trigger), `clear_below`/`clear_above`, `for`/`within`, `count`, `severity`.
/// `silences[]`: `device`|`community`|`rule`, `from`, `until` (ISO 8601), `reason`, `by`.
public enum RuleBookLoader {
    static let conditionKeys = ["threshold", "sustained", "event", "count", "absence", "follow_up", "correlation"]

    static func read(_ top: YAMLRecord, registry: DeviceRegistry?, issues: inout [ValidationIssue]) -> (RuleBook, [Silence]) {
        let file = top.file
        var calendar = RuleCalendar()
        var flapGuard = FlapGuard()
        if let node = top.values["settings"],
           let settings = YAMLRecord(node, file: file, path: "settings",
                                     allowedKeys: ["utc_offset", "holidays", "extra_workdays", "flap_guard"], issues: &issues) {
            if let text = settings.scalar("utc_offset", issues: &issues) {
                if let offset = utcOffset(text) { calendar.utcOffsetSeconds = offset } else {
                    issues.append(settings.issue("utc_offset", "expected an offset like +08:00, found \"\(text)\""))
                }
            }
            calendar.holidays = days(settings, "holidays", issues: &issues)
            calendar.extraWorkdays = days(settings, "extra_workdays", issues: &issues)
            if let node = settings.values["flap_guard"],
               let record = YAMLRecord(node, file: file, path: "settings.flap_guard", allowedKeys: ["openings", "window", "hold"], issues: &issues) {
                if let text = record.scalar("openings", issues: &issues) {
                    if let value = Int(text), value >= 2 { flapGuard.openings = value } else {
                        issues.append(record.issue("openings", "expected a whole number of at least 2"))
                    }
                }
                flapGuard.windowSeconds = record.duration("window", issues: &issues) ?? flapGuard.windowSeconds
                flapGuard.holdSeconds = record.duration("hold", issues: &issues) ?? flapGuard.holdSeconds
            }
        }

        var rules: [AlertRule] = []
        for (index, node) in top.sequence("rules", issues: &issues).enumerated() {
            let keys: Set<String> = Set(["id", "title", "severity", "applies_to", "active", "auto_resolve", "escalation"] + conditionKeys)
            guard let record = YAMLRecord(node, file: file, path: "rules[\(index)]", allowedKeys: keys, issues: &issues),
                  let rule = readRule(record, calendar: calendar, issues: &issues) else { continue }
            if rules.contains(where: { $0.id == rule.id }) {
                issues.append(record.issue("id", "duplicate rule id \"\(rule.id)\""))
            } else {
                rules.append(rule)
            }
        }

        var overrides: [RuleOverride] = []
        for (index, node) in top.sequence("overrides", issues: &issues).enumerated() {
            let keys: Set<String> = ["rule", "device", "resident", "enabled", "above", "below", "clear_below", "clear_above",
                                     "for", "within", "count", "severity"]
            guard let record = YAMLRecord(node, file: file, path: "overrides[\(index)]", allowedKeys: keys, issues: &issues) else { continue }
            if let change = readOverride(record, rules: rules, registry: registry, issues: &issues) { overrides.append(change) }
        }

        var silences: [Silence] = []
        for (index, node) in top.sequence("silences", issues: &issues).enumerated() {
            let keys: Set<String> = ["device", "community", "rule", "from", "until", "reason", "by"]
            guard let record = YAMLRecord(node, file: file, path: "silences[\(index)]", allowedKeys: keys, issues: &issues) else { continue }
            if let silence = readSilence(record, index: index, rules: rules, registry: registry, issues: &issues) { silences.append(silence) }
        }
        return (RuleBook(rules: rules, overrides: overrides, calendar: calendar, flapGuard: flapGuard), silences)
    }

    private static func readRule(_ record: YAMLRecord, calendar: RuleCalendar, issues: inout [ValidationIssue]) -> AlertRule? {
        let before = issues.count
        let id = record.scalar("id", issues: &issues)
        if id == nil { issues.append(record.issue("id", "`id` is required")) }
        if let id, !ContactRules.isValidIdentifier(id) { issues.append(record.issue("id", "rule id \"\(id)\" must be an identifier")) }
        let title = record.scalar("title", issues: &issues)
        if title == nil { issues.append(record.issue("title", "`title` is required (Chinese, shown to operators)")) }
        var severity = Severity.warning
        if let text = record.scalar("severity", issues: &issues) {
            if let value = Severity(rawValue: text) { severity = value } else {
                issues.append(record.issue("severity", "unknown severity \"\(text)\" (expected one of: info, warning, major, critical)"))
            }
        } else {
            issues.append(record.issue("severity", "`severity` is required"))
        }
        var types: Set<DeviceType> = []
        for text in record.scalarList("applies_to", issues: &issues) ?? [] {
            if let type = DeviceType(rawValue: text) { types.insert(type) } else {
                issues.append(record.issue("applies_to", "unknown device type \"\(text)\""))
            }
        }
        if record.values["applies_to"] == nil { issues.append(record.issue("applies_to", "`applies_to` lists the device types the rule watches")) }
        let present = conditionKeys.filter { record.values[$0] != nil }
        guard present.count == 1, let kind = present.first else {
            issues.append(record.issue(nil, "a rule needs exactly one condition: \(conditionKeys.joined(separator: ", "))"))
            return nil
        }
        let condition = readCondition(kind, record: record, types: types, issues: &issues)
        var window: ActiveWindow?
        if let node = record.values["active"],
           let active = YAMLRecord(node, file: record.file, path: "\(record.path).active", allowedKeys: ["from", "to", "days"], issues: &issues) {
            window = readWindow(active, issues: &issues)
        }
        var autoResolve = true
        if let text = record.scalar("auto_resolve", issues: &issues) {
            if let value = ["true": true, "false": false, "yes": true, "no": false][text.lowercased()] { autoResolve = value } else {
                issues.append(record.issue("auto_resolve", "expected true or false"))
            }
        }
        var escalation: EscalationPolicy?
        if let node = record.values["escalation"],
           let ladder = YAMLRecord(node, file: record.file, path: "\(record.path).escalation",
                                   allowedKeys: ["community_after", "street_after"], issues: &issues) {
            escalation = EscalationPolicy(toCommunityAfter: ladder.duration("community_after", issues: &issues),
                                          toStreetAfter: ladder.duration("street_after", issues: &issues))
        }
        guard issues.count == before, let id, let title, let condition else { return nil }
        return AlertRule(id: id, title: title, severity: severity, appliesTo: types, condition: condition, window: window,
                         autoResolve: autoResolve, escalation: escalation)
    }

    private static func readCondition(_ kind: String, record parent: YAMLRecord, types: Set<DeviceType>, issues: inout [ValidationIssue]) -> RuleCondition? {
        let path = "\(parent.path).\(kind)"
        let node = parent.values[kind]!
        switch kind {
        case "threshold", "sustained":
            let keys: Set<String> = kind == "sustained" ? ["metric", "above", "below", "clear_below", "clear_above", "for"]
                : ["metric", "above", "below", "clear_below", "clear_above"]
            guard let record = YAMLRecord(node, file: parent.file, path: path, allowedKeys: keys, issues: &issues) else { return nil }
            guard let bound = readBound(record, types: types, issues: &issues) else { return nil }
            if kind == "threshold" { return .threshold(bound) }
            guard let seconds = record.duration("for", issues: &issues) else {
                issues.append(record.issue("for", "`for` (how long the condition must hold) is required"))
                return nil
            }
            return .sustained(bound, seconds: seconds)
        case "event":
            guard let record = YAMLRecord(node, file: parent.file, path: path, allowedKeys: ["names", "data", "resolve_on"], issues: &issues),
                  let match = readMatch(record, namesKey: "names", types: types, issues: &issues) else { return nil }
            let resolveOn = Set(record.scalarList("resolve_on", issues: &issues) ?? [])
            checkEvents(resolveOn, record: record, key: "resolve_on", types: types, issues: &issues)
            return .event(match, resolveOn: resolveOn)
        case "count":
            guard let record = YAMLRecord(node, file: parent.file, path: path, allowedKeys: ["event", "names", "data", "count", "within", "scope"], issues: &issues),
                  let match = readMatch(record, namesKey: record.values["event"] != nil ? "event" : "names", types: types, issues: &issues)
            else { return nil }
            guard let countText = record.scalar("count", issues: &issues), let count = Int(countText), count >= 2 else {
                issues.append(record.issue("count", "`count` must be a whole number of at least 2"))
                return nil
            }
            guard let seconds = record.duration("within", issues: &issues) else {
                issues.append(record.issue("within", "`within` (the window) is required"))
                return nil
            }
            return .count(match, count: count, seconds: seconds, scope: readScope(record, issues: &issues))
        case "absence":
            guard let record = YAMLRecord(node, file: parent.file, path: path, allowedKeys: ["of", "for", "missed_reports"], issues: &issues) else { return nil }
            let of = record.scalar("of", issues: &issues) ?? "any"
            guard let absenceKind = AbsenceKind(rawValue: of) else {
                issues.append(record.issue("of", "expected any or activity, found \"\(of)\""))
                return nil
            }
            let seconds = record.duration("for", issues: &issues)
            var missed = 3
            if let text = record.scalar("missed_reports", issues: &issues) {
                if let value = Int(text), value >= 1 { missed = value } else {
                    issues.append(record.issue("missed_reports", "expected a whole number of at least 1"))
                }
            }
            return .absence(absenceKind, seconds: seconds, missedReports: missed)
        case "follow_up":
            guard let record = YAMLRecord(node, file: parent.file, path: path, allowedKeys: ["trigger", "expect", "within"], issues: &issues),
                  let trigger = readMatch(record, namesKey: "trigger", types: types, issues: &issues),
                  let expect = readMatch(record, namesKey: "expect", types: types, issues: &issues) else { return nil }
            guard let seconds = record.duration("within", issues: &issues) else {
                issues.append(record.issue("within", "`within` is required"))
                return nil
            }
            return .missingFollowUp(trigger: trigger, expect: expect, seconds: seconds)
        default:
            guard let record = YAMLRecord(node, file: parent.file, path: path, allowedKeys: ["events", "within", "scope"], issues: &issues) else { return nil }
            let events = record.scalarList("events", issues: &issues) ?? []
            guard events.count >= 2 else {
                issues.append(record.issue("events", "a correlation needs at least two events"))
                return nil
            }
            checkEvents(Set(events), record: record, key: "events", types: types, issues: &issues)
            guard let seconds = record.duration("within", issues: &issues) else {
                issues.append(record.issue("within", "`within` is required"))
                return nil
            }
            return .correlation(events.map { EventMatch([$0]) }, seconds: seconds, scope: readScope(record, issues: &issues))
        }
    }

    private static func readBound(_ record: YAMLRecord, types: Set<DeviceType>, issues: inout [ValidationIssue]) -> MetricBound? {
        guard let metric = record.scalar("metric", issues: &issues) else {
            issues.append(record.issue("metric", "`metric` is required"))
            return nil
        }
        for type in types.sorted(by: { $0.rawValue < $1.rawValue }) where type.capabilities.metrics[metric] == nil {
            issues.append(record.issue("metric", "a \(type.rawValue) does not report `\(metric)`"))
        }
        let above = record.number("above", issues: &issues), below = record.number("below", issues: &issues)
        switch (above, below) {
        case let (trigger?, nil):
            let clear = record.number("clear_below", issues: &issues)
            if let clear, clear > trigger { issues.append(record.issue("clear_below", "clear_below must not be above `above`")) }
            return MetricBound(metric: metric, direction: .above, trigger: trigger, clear: clear)
        case let (nil, trigger?):
            let clear = record.number("clear_above", issues: &issues)
            if let clear, clear < trigger { issues.append(record.issue("clear_above", "clear_above must not be below `below`")) }
            return MetricBound(metric: metric, direction: .below, trigger: trigger, clear: clear)
        default:
            issues.append(record.issue(nil, "give exactly one of `above` or `below`"))
            return nil
        }
    }

    private static func readMatch(_ record: YAMLRecord, namesKey: String, types: Set<DeviceType>, issues: inout [ValidationIssue]) -> EventMatch? {
        var names: [String]?
        if case .scalar? = record.values[namesKey] {
            names = record.scalar(namesKey, issues: &issues).map { [$0] }
        } else {
            names = record.scalarList(namesKey, issues: &issues)
        }
        guard let names, !names.isEmpty else {
            issues.append(record.issue(namesKey, "`\(namesKey)` names the event(s) to match"))
            return nil
        }
        checkEvents(Set(names), record: record, key: namesKey, types: types, issues: &issues)
        var data: [String: JSONValue] = [:]
        if let node = record.values["data"], case let .mapping(mapping) = node {
            for (key, value) in mapping {
                guard let name = key.string, let text = value.string else { continue }
                data[name] = Double(text).map(JSONValue.number) ?? .string(text)
            }
        }
        return EventMatch(Set(names), data: data)
    }

    private static func checkEvents(_ names: Set<String>, record: YAMLRecord, key: String, types: Set<DeviceType>, issues: inout [ValidationIssue]) {
        for name in names.sorted() where !DeviceMessage.gatewayEvents.contains(name)
            && !types.contains(where: { $0.capabilities.events.contains(name) }) {
            issues.append(record.issue(key, "no device type this rule applies to sends event `\(name)`"))
        }
    }

    private static func readScope(_ record: YAMLRecord, issues: inout [ValidationIssue]) -> RuleScope {
        guard let text = record.scalar("scope", issues: &issues) else { return .device }
        guard let scope = RuleScope(rawValue: text) else {
            issues.append(record.issue("scope", "expected device, building or grid, found \"\(text)\""))
            return .device
        }
        return scope
    }

    private static func readWindow(_ record: YAMLRecord, issues: inout [ValidationIssue]) -> ActiveWindow {
        var window = ActiveWindow()
        for key in ["from", "to"] {
            guard let text = record.scalar(key, issues: &issues) else { continue }
            guard let minute = minuteOfDay(text) else {
                issues.append(record.issue(key, "expected a local time HH:MM, found \"\(text)\""))
                continue
            }
            if key == "from" { window.fromMinute = minute } else { window.toMinute = minute }
        }
        if let days = record.scalarList("days", issues: &issues) {
            let names = ["mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7]
            var set = Set<Int>()
            for day in days {
                if let number = names[day.lowercased()] { set.insert(number) } else {
                    issues.append(record.issue("days", "unknown day \"\(day)\" (mon … sun)"))
                }
            }
            window.days = .weekdays(set)
        } else if let text = record.scalar("days", issues: &issues) {
            switch text {
            case "all": window.days = .all
            case "workdays": window.days = .workdays
            case "rest_days": window.days = .restDays
            default: issues.append(record.issue("days", "expected all, workdays, rest_days or a list of days"))
            }
        }
        return window
    }

    private static func readOverride(_ record: YAMLRecord, rules: [AlertRule], registry: DeviceRegistry?, issues: inout [ValidationIssue]) -> RuleOverride? {
        let before = issues.count
        let ruleID = record.scalar("rule", issues: &issues)
        if let ruleID, !rules.contains(where: { $0.id == ruleID }) { issues.append(record.issue("rule", "unknown rule \"\(ruleID)\"")) }
        if ruleID == nil { issues.append(record.issue("rule", "`rule` is required")) }
        let device = record.scalar("device", issues: &issues), resident = record.scalar("resident", issues: &issues)
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
        if let text = record.scalar("enabled", issues: &issues) { change.enabled = ["true", "yes"].contains(text.lowercased()) }
        change.trigger = record.number("above", issues: &issues) ?? record.number("below", issues: &issues) ?? record.number("count", issues: &issues)
        change.clear = record.number("clear_below", issues: &issues) ?? record.number("clear_above", issues: &issues)
        change.seconds = record.duration("for", issues: &issues) ?? record.duration("within", issues: &issues)
        if let text = record.scalar("severity", issues: &issues) {
            change.severity = Severity(rawValue: text)
            if change.severity == nil { issues.append(record.issue("severity", "unknown severity \"\(text)\"")) }
        }
        return issues.count == before ? change : nil
    }

    private static func readSilence(_ record: YAMLRecord, index: Int, rules: [AlertRule], registry: DeviceRegistry?, issues: inout [ValidationIssue]) -> Silence? {
        let before = issues.count
        var target: Silence.Target?
        if let id = record.scalar("device", issues: &issues) {
            target = .device(id)
            if let registry, registry.device(id) == nil { issues.append(record.issue("device", "unknown device \"\(id)\"")) }
        } else if let id = record.scalar("community", issues: &issues) {
            target = .community(id)
            if let registry, registry.community(id) == nil { issues.append(record.issue("community", "unknown community \"\(id)\"")) }
        } else if let id = record.scalar("rule", issues: &issues) {
            target = .rule(id)
            if !rules.contains(where: { $0.id == id }) { issues.append(record.issue("rule", "unknown rule \"\(id)\"")) }
        } else {
            issues.append(record.issue(nil, "a silence names a `device`, `community` or `rule`"))
        }
        let from = record.instant("from", issues: &issues), until = record.instant("until", issues: &issues)
        if from == nil { issues.append(record.issue("from", "`from` is required (ISO 8601, e.g. 2026-11-20T09:00:00+08:00)")) }
        if until == nil { issues.append(record.issue("until", "`until` is required")) }
        if let from, let until, until <= from { issues.append(record.issue("until", "`until` must be after `from`")) }
        let reason = record.scalar("reason", issues: &issues) ?? ""
        let by = record.scalar("by", issues: &issues) ?? "config"
        guard issues.count == before, let target, let from, let until else { return nil }
        return Silence(id: "config-\(index)", target: target, from: from, until: until, reason: reason, createdBy: by)
    }

    // MARK: - Scalars

    private static func days(_ record: YAMLRecord, _ key: String, issues: inout [ValidationIssue]) -> Set<Int> {
        var result = Set<Int>()
        for text in record.scalarList(key, issues: &issues) ?? [] {
            if let day = RuleCalendar.dayNumber(text) { result.insert(day) } else {
                issues.append(record.issue(key, "expected dates YYYY-MM-DD, found \"\(text)\""))
            }
        }
        return result
    }

    static func utcOffset(_ text: String) -> Int? {
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

    static func minuteOfDay(_ text: String) -> Int? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let hours = Int(parts[0]), let minutes = Int(parts[1]), (0..<24).contains(hours) || (hours == 24 && minutes == 0),
              (0..<60).contains(minutes) else { return nil }
        return (hours * 60 + minutes) % 1440
    }
}
