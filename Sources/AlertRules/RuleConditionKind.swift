import DeviceModel

/// The condition kinds a rule may be written with, each with its keys and how it is read into a ``RuleCondition``.
/// A new kind is declared here (its key and fields), in ``RuleCondition`` and in the engine's evaluation.
///
/// - `threshold: {metric, above|below, clear_below|clear_above}` — raise on one sample, clear with hysteresis;
/// - `sustained: {metric, above|below, clear_below|clear_above, for}` — raise when held `for` (device time);
/// - `event: {names, data, resolve_on}` — raise at once (data: numbers are minimums, text must equal);
/// - `count: {event|names, count, within, scope: device|building|grid}`;
/// - `absence: {of: any|activity, for | missed_reports}`;
/// - `follow_up: {trigger, expect, within}` — trigger not followed by expect in time;
/// - `correlation: {events, within, scope}` — every event seen in one scope within the window.
public enum RuleConditionKind: String, CaseIterable, Sendable {
    case threshold
    case sustained
    case event
    case count
    case absence
    case followUp = "follow_up"
    case correlation

    /// The keys of the condition's record.
    public var keys: Set<String> {
        switch self {
        case .threshold: ["metric", "above", "below", "clear_below", "clear_above"]
        case .sustained: ["metric", "above", "below", "clear_below", "clear_above", "for"]
        case .event: ["names", "data", "resolve_on"]
        case .count: ["event", "names", "data", "count", "within", "scope"]
        case .absence: ["of", "for", "missed_reports"]
        case .followUp: ["trigger", "expect", "within"]
        case .correlation: ["events", "within", "scope"]
        }
    }

    /// The condition `record` describes, for a rule over `types`; `nil` with issues when it is wrong.
    func read(_ record: DraftReader, types: Set<DeviceType>, issues: inout [ValidationIssue]) -> RuleCondition? {
        switch self {
        case .threshold:
            return Self.readBound(record, types: types, issues: &issues).map(RuleCondition.threshold)
        case .sustained:
            guard let bound = Self.readBound(record, types: types, issues: &issues) else { return nil }
            guard let seconds = required(record, "for", "`for` (how long the condition must hold) is required", &issues) else { return nil }
            return .sustained(bound, seconds: seconds)
        case .event:
            guard let match = Self.readMatch(record, namesKey: "names", types: types, issues: &issues) else { return nil }
            let resolveOn = Set(record.textList("resolve_on", issues: &issues) ?? [])
            Self.checkEvents(resolveOn, record: record, key: "resolve_on", types: types, issues: &issues)
            return .event(match, resolveOn: resolveOn)
        case .count:
            let namesKey = record.has("event") ? "event" : "names"
            guard let match = Self.readMatch(record, namesKey: namesKey, types: types, issues: &issues) else { return nil }
            guard let countText = record.text("count", issues: &issues), let count = Int(countText), count >= 2 else {
                issues.append(record.issue("count", "`count` must be a whole number of at least 2"))
                return nil
            }
            guard let seconds = required(record, "within", "`within` (the window) is required", &issues) else { return nil }
            return .count(match, count: count, seconds: seconds, scope: Self.readScope(record, issues: &issues))
        case .absence:
            let of = record.text("of", issues: &issues) ?? "any"
            guard let absenceKind = AbsenceKind(rawValue: of) else {
                issues.append(record.issue("of", "expected any or activity, found \"\(of)\""))
                return nil
            }
            let seconds = record.duration("for", issues: &issues)
            let missed = record.count("missed_reports", minimum: 1, issues: &issues) ?? 3
            return .absence(absenceKind, seconds: seconds, missedReports: missed)
        case .followUp:
            guard let trigger = Self.readMatch(record, namesKey: "trigger", types: types, issues: &issues),
                  let expect = Self.readMatch(record, namesKey: "expect", types: types, issues: &issues),
                  let seconds = required(record, "within", "`within` is required", &issues) else { return nil }
            return .missingFollowUp(trigger: trigger, expect: expect, seconds: seconds)
        case .correlation:
            let events = record.textList("events", issues: &issues) ?? []
            guard events.count >= 2 else {
                issues.append(record.issue("events", "a correlation needs at least two events"))
                return nil
            }
            Self.checkEvents(Set(events), record: record, key: "events", types: types, issues: &issues)
            guard let seconds = required(record, "within", "`within` is required", &issues) else { return nil }
            return .correlation(events.map { EventMatch([$0]) }, seconds: seconds, scope: Self.readScope(record, issues: &issues))
        }
    }

    private func required(_ record: DraftReader, _ key: String, _ message: String, _ issues: inout [ValidationIssue]) -> Int? {
        let seconds = record.duration(key, issues: &issues)
        if seconds == nil, !record.has(key) { issues.append(record.issue(key, message)) }
        return seconds
    }

    private static func readBound(_ record: DraftReader, types: Set<DeviceType>, issues: inout [ValidationIssue]) -> MetricBound? {
        guard let metric = record.text("metric", issues: &issues) else {
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

    private static func readMatch(_ record: DraftReader, namesKey: String, types: Set<DeviceType>,
                                  issues: inout [ValidationIssue]) -> EventMatch? {
        guard let names = record.oneOrMore(namesKey, issues: &issues), !names.isEmpty else {
            issues.append(record.issue(namesKey, "`\(namesKey)` names the event(s) to match"))
            return nil
        }
        checkEvents(Set(names), record: record, key: namesKey, types: types, issues: &issues)
        var data: [String: JSONValue] = [:]
        if case let .record(fields)? = record.value("data") {
            for (key, value) in fields.values {
                guard case let .text(text) = value else { continue }
                data[key] = Double(text).map(JSONValue.number) ?? .string(text)
            }
        }
        return EventMatch(Set(names), data: data)
    }

    private static func checkEvents(_ names: Set<String>, record: DraftReader, key: String, types: Set<DeviceType>,
                                    issues: inout [ValidationIssue]) {
        for name in names.sorted() where !DeviceMessage.gatewayEvents.contains(name)
            && !types.contains(where: { $0.capabilities.events.contains(name) }) {
            issues.append(record.issue(key, "no device type this rule applies to sends event `\(name)`"))
        }
    }

    private static func readScope(_ record: DraftReader, issues: inout [ValidationIssue]) -> RuleScope {
        guard let text = record.text("scope", issues: &issues) else { return .device }
        guard let scope = RuleScope(rawValue: text) else {
            issues.append(record.issue("scope", "expected device, building or grid, found \"\(text)\""))
            return .device
        }
        return scope
    }
}
