import Foundation
import DeviceModel

/// How long each kind of record is kept (`settings.retention` in devices.yaml). The defaults follow PIPL's
/// minimum-necessary principle while keeping what the monthly report and an inquiry need:
/// - `events` 180 d: readings and events of residents' devices are personal (health) data; half a year
///   covers a season-on-season comparison and any complaint about an alarm;
/// - `dead_letters` 30 d: rejected input is for diagnosing a device, not a record; kept short, and at most
///   `dead_letters_per_source` per device or topic so a flood cannot fill the disk;
/// - `deliveries` 90 d: phone numbers and OpenIDs of relatives; a quarter covers disputes about a message;
/// - `alerts` and `audit_log` 3 years (1095 d): what happened, who acted and how it was resolved — the
///   monthly and yearly report's inputs and the accountability trail.
/// Snapshots have their own flag (`--snapshot-retention`, default 30 d).
public struct RetentionPolicy: Sendable, Hashable {
    public var eventsSeconds = 180 * 86_400
    public var deadLettersSeconds = 30 * 86_400
    public var deliveriesSeconds = 90 * 86_400
    public var alertsSeconds = 1095 * 86_400
    public var auditLogSeconds = 1095 * 86_400
    public var deadLettersPerSource = 1000

    public init() {}

    static let keys: Set<String> = ["events", "dead_letters", "deliveries", "alerts", "audit_log", "dead_letters_per_source"]

    /// Reads `settings.retention` from the rule sections' draft; issues with their locations.
    static func read(_ document: DraftRecord) -> (RetentionPolicy, [ValidationIssue]) {
        var issues: [ValidationIssue] = []
        var policy = RetentionPolicy()
        guard case let .record(settings)? = document.values["settings"], let value = settings.values["retention"],
              let record = DraftReader(value, path: "settings.retention", location: settings.origins.location(of: "retention"),
                                       allowedKeys: keys, issues: &issues) else { return (policy, issues) }
        func days(_ key: String, minimum: Int, into field: inout Int) {
            guard let seconds = record.duration(key, issues: &issues) else { return }
            if seconds < minimum * 86_400 {
                issues.append(record.issue(key, "keep \(key.replacingOccurrences(of: "_", with: " ")) at least \(minimum) days"))
            } else {
                field = seconds
            }
        }
        days("events", minimum: 7, into: &policy.eventsSeconds)
        days("dead_letters", minimum: 1, into: &policy.deadLettersSeconds)
        days("deliveries", minimum: 7, into: &policy.deliveriesSeconds)
        // The monthly report reads alerts and the audit trail: at least 13 months (a year-on-year month).
        days("alerts", minimum: 396, into: &policy.alertsSeconds)
        days("audit_log", minimum: 396, into: &policy.auditLogSeconds)
        policy.deadLettersPerSource = record.count("dead_letters_per_source", minimum: 10, issues: &issues) ?? policy.deadLettersPerSource
        return (policy, issues)
    }
}
