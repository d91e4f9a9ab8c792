import AlertRules
import DeviceModel
import Foundation

/// The JSON of an alert as published on `alerts/{community}/{alertId}` and served by the API.
/// Field names are part of the console contract (README): add, never rename.
public struct AlertPayload: Codable, Sendable, Equatable {
    public var id: String
    public var community: String
    public var device: String
    public var rule: String
    public var severity: String
    public var state: String
    public var title: String
    public var sourceTS: Int64
    public var lastSourceTS: Int64
    public var openedAt: Int64
    public var updatedAt: Int64
    public var lastSeenAt: Int64
    public var escalationLevel: String
    public var count: Int
    public var grid: String
    public var location: DeviceLocation
    public var resident: String?
    public var reading: [String: JSONValue]
    public var acknowledgedBy: String?
    public var acknowledgedAt: Int64?
    public var resolvedBy: String?
    public var resolvedAt: Int64?
    public var note: String?
    public var flapping: Bool
    public var transition: Transition?
    /// Set when the alert opened more than a minute after the device time of the reading that raised it (a
    /// fall delivered after a connectivity gap): how late, in seconds.
    public var lateBySeconds: Int64?
    /// Who on the duty ladder was told, when and how (roster ids).
    public var notified: [Notice]?
    /// How a person resolved it: `genuine`, `false_alarm`, `device_fault`, `test`.
    public var resolution: String?

    public struct Notice: Codable, Sendable, Equatable {
        public var contact: String
        public var level: String
        public var channel: String
        public var at: Int64
        public var step: String
    }

    public struct Transition: Codable, Sendable, Equatable {
        public var kind: String
        public var actor: String
        public var reason: String
        public var at: Int64
    }

    enum CodingKeys: String, CodingKey {
        case id, community, device, rule, severity, state, title, count, grid, location, resident, reading, note, flapping, transition
        case sourceTS = "source_ts", lastSourceTS = "last_source_ts", openedAt = "opened_at", updatedAt = "updated_at"
        case lastSeenAt = "last_seen_at", escalationLevel = "escalation_level", acknowledgedBy = "acknowledged_by"
        case acknowledgedAt = "acknowledged_at", resolvedBy = "resolved_by", resolvedAt = "resolved_at"
        case lateBySeconds = "late_by_s", notified, resolution
    }

    public init(_ alert: Alert, transition: AlertTransition? = nil) {
        id = alert.id
        community = alert.community
        device = alert.device
        rule = alert.rule
        severity = alert.severity.rawValue
        state = alert.state.rawValue
        title = alert.title
        sourceTS = alert.sourceTS
        lastSourceTS = alert.lastSourceTS
        openedAt = alert.openedAt
        updatedAt = alert.updatedAt
        lastSeenAt = alert.lastSeenAt
        escalationLevel = alert.escalationLevel.name
        count = alert.count
        grid = alert.grid
        location = alert.location
        resident = alert.resident
        reading = alert.reading
        acknowledgedBy = alert.acknowledgedBy
        acknowledgedAt = alert.acknowledgedAt
        resolvedBy = alert.resolvedBy
        resolvedAt = alert.resolvedAt
        note = alert.note
        flapping = alert.flapping
        let late = alert.openedAt.subtractingReportingOverflow(alert.sourceTS)
        notified = alert.notified.map { notices in
            notices.map { Notice(contact: $0.contact, level: $0.level.name, channel: $0.channel.rawValue, at: $0.at, step: $0.step) }
        }
        resolution = alert.resolution?.rawValue
        lateBySeconds = !late.overflow && late.partialValue > 60_000 ? late.partialValue / 1000 : nil
        self.transition = transition.map { Transition(kind: $0.kind.rawValue, actor: $0.actor, reason: $0.reason, at: $0.at) }
    }

    public func json() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data("{}".utf8)
    }

    /// `alerts/{community}/{alertId}`.
    public static func topic(community: String, alertID: String) -> String { "alerts/\(community)/\(alertID)" }
}
