import AlertRules
import DeviceModel
import Foundation
import GRDB

/// Persists what the rule engine decided, in the caller's transaction: alert rows, the transition audit
/// trail, the engine's condition memory, and the MQTT publications of each transition (outbox).
struct AlertStore: Sendable {
    func apply(_ transitions: [AlertTransition], in db: Database) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        for transition in transitions {
            let alert = transition.alert
            let body = String(decoding: try encoder.encode(alert), as: UTF8.self)
            try db.execute(
                sql: """
                    INSERT INTO alerts (id, rule, scope, community, device, severity, state, title, escalation_level,
                                        opened_at, updated_at, resolved_at, body)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET
                        device = excluded.device, severity = excluded.severity, state = excluded.state,
                        escalation_level = excluded.escalation_level, updated_at = excluded.updated_at,
                        resolved_at = excluded.resolved_at, body = excluded.body
                    """,
                arguments: [alert.id, alert.rule, alert.key.scope, alert.community, alert.device, alert.severity.rawValue,
                            alert.state.rawValue, alert.title, alert.escalationLevel.rawValue, alert.openedAt, alert.updatedAt,
                            alert.resolvedAt, body]
            )
            try db.execute(
                sql: """
                    INSERT INTO alert_transitions (alert_id, kind, actor, reason, at, state, escalation_level)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [alert.id, transition.kind.rawValue, transition.actor, transition.reason, transition.at,
                            alert.state.rawValue, alert.escalationLevel.rawValue]
            )
            let topic = AlertPayload.topic(community: alert.community, alertID: alert.id)
            let payload = AlertPayload(alert, transition: transition).json()
            if alert.isOpen {
                // Retained, so that a console connecting late sees every open alert.
                try enqueue(topic: topic, payload: payload, retain: true, at: transition.at, in: db)
            } else {
                // Live subscribers get the resolution; then an empty retained message clears the topic.
                try enqueue(topic: topic, payload: payload, retain: false, at: transition.at, in: db)
                try enqueue(topic: topic, payload: Data(), retain: true, at: transition.at, in: db)
            }
        }
    }

    /// The alert's audit trail records who on the duty ladder was told: one `notified` entry per rung and step,
    /// naming roster ids and channels (no names, no numbers).
    func recordNotices(_ notices: [DutyNotice], of alert: Alert, in db: Database) throws {
        let groups = Dictionary(grouping: notices) { "\($0.level.name)|\($0.step)|\($0.at)" }
        for key in groups.keys.sorted() {
            let group = groups[key]!
            let people = Dictionary(grouping: group, by: \.contact).sorted { $0.key < $1.key }
                .map { "\($0.key) (\($0.value.map(\.channel.rawValue).sorted().joined(separator: ", ")))" }
            try db.execute(
                sql: """
                    INSERT INTO alert_transitions (alert_id, kind, actor, reason, at, state, escalation_level)
                    VALUES (?, 'notified', 'system', ?, ?, ?, ?)
                    """,
                arguments: [alert.id, "\(group[0].step): notified \(group[0].level.name) duty \(people.joined(separator: ", "))",
                            group[0].at, alert.state.rawValue, group[0].level.rawValue])
        }
    }

    func enqueue(topic: String, payload: Data, retain: Bool, at: Int64, in db: Database) throws {
        try db.execute(sql: "INSERT INTO mqtt_outbox (topic, payload, retain, created_at) VALUES (?, ?, ?, ?)",
                       arguments: [topic, payload, retain, at])
    }

    func persist(_ changed: [AlertKey: KeyState?], meta state: EngineState, in db: Database) throws {
        for (key, keyState) in changed {
            if let keyState {
                try db.cachedStatement(sql: """
                        INSERT INTO rule_state (key, rule, scope, state) VALUES (?, ?, ?, ?)
                        ON CONFLICT (key) DO UPDATE SET state = excluded.state
                        """).execute(arguments: [key.description, key.rule, key.scope,
                                                 keyState.persistedJSON])
            } else {
                try db.cachedStatement(sql: "DELETE FROM rule_state WHERE key = ?").execute(arguments: [key.description])
            }
        }
        try db.cachedStatement(sql: """
                INSERT INTO engine_meta (id, started_at, suppressed_hits, opened_count) VALUES (1, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET suppressed_hits = excluded.suppressed_hits, opened_count = excluded.opened_count
                """).execute(arguments: [state.startedAt, state.suppressedHits, state.openedCount])
    }

    /// The engine state as persisted: open alerts, condition memory; the start time is `now`.
    func loadState(now: Int64, in db: Database) throws -> EngineState {
        let decoder = JSONDecoder()
        let meta = try Row.fetchOne(db, sql: "SELECT started_at, suppressed_hits, opened_count FROM engine_meta WHERE id = 1")
        // Absence timers of devices never heard from run from this start, not from the first one: a device
        // added to devices.yaml while the gateway was down cannot be "offline" before it could report.
        // (Devices heard from keep their persisted last sign of life.)
        var state = EngineState(startedAt: now)
        state.suppressedHits = meta?["suppressed_hits"] ?? 0
        state.openedCount = meta?["opened_count"] ?? 0
        for body in try String.fetchAll(db, sql: "SELECT body FROM alerts WHERE state != 'resolved'") {
            let alert = try decoder.decode(Alert.self, from: Data(body.utf8))
            state.alerts[alert.id] = alert
            state.openByKey[alert.key] = alert.id
        }
        for row in try Row.fetchAll(db, sql: "SELECT rule, scope, state FROM rule_state") {
            let key = AlertKey(rule: row["rule"], scope: row["scope"])
            state.keys[key] = try decoder.decode(KeyState.self, from: Data((row["state"] as String).utf8))
        }
        return state
    }
}
