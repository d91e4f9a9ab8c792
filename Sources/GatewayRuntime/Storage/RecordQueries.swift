import AlertRules
import DeviceModel
import Foundation
import GRDB

/// The reads of the HTTP API and the metrics, in domain types: routes and metrics never see SQL. Each
/// method is one read transaction on the pool (readers never block the writer in WAL mode).
public struct RecordQueries: Sendable {
    let database: DatabasePool

    public init(database: DatabasePool) {
        self.database = database
    }

    // MARK: - Alerts

    public struct AlertFilter: Sendable {
        public var community: String?
        public var state: AlertState?
        public var severity: Severity?
        public var updatedSince: Int64?

        public init(community: String? = nil, state: AlertState? = nil, severity: Severity? = nil, updatedSince: Int64? = nil) {
            self.community = community
            self.state = state
            self.severity = severity
            self.updatedSince = updatedSince
        }
    }

    /// A page of alerts, newest opened first, and how many match.
    public func alerts(_ filter: AlertFilter, limit: Int, offset: Int) throws -> (total: Int, alerts: [Alert]) {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let community = filter.community {
            conditions.append("community = ?")
            _ = arguments.append(contentsOf: [community])
        }
        if let state = filter.state {
            conditions.append("state = ?")
            _ = arguments.append(contentsOf: [state.rawValue])
        }
        if let severity = filter.severity {
            conditions.append("severity = ?")
            _ = arguments.append(contentsOf: [severity.rawValue])
        }
        if let since = filter.updatedSince {
            conditions.append("updated_at >= ?")
            _ = arguments.append(contentsOf: [since])
        }
        let clause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let (total, bodies) = try database.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM alerts \(clause)", arguments: arguments) ?? 0,
             try String.fetchAll(db, sql: "SELECT body FROM alerts \(clause) ORDER BY opened_at DESC, id LIMIT ? OFFSET ?",
                                 arguments: arguments + [limit, offset]))
        }
        let decoder = JSONDecoder()
        return (total, try bodies.map { try decoder.decode(Alert.self, from: Data($0.utf8)) })
    }

    /// One step of an alert's history (the audit trail).
    public struct AlertHistoryStep: Sendable {
        public var kind, actor, reason: String
        public var at: Int64
        public var state: String
        public var escalationLevel: EscalationLevel?
    }

    /// An alert with its transitions, oldest first; nil when there is no such alert.
    public func alert(_ id: String) throws -> (alert: Alert, history: [AlertHistoryStep])? {
        let found = try database.read { db -> (String, [Row])? in
            guard let body = try String.fetchOne(db, sql: "SELECT body FROM alerts WHERE id = ?", arguments: [id]) else { return nil }
            let rows = try Row.fetchAll(db, sql: """
                SELECT kind, actor, reason, at, state, escalation_level FROM alert_transitions WHERE alert_id = ? ORDER BY id
                """, arguments: [id])
            return (body, rows)
        }
        guard let (body, rows) = found else { return nil }
        let alert = try JSONDecoder().decode(Alert.self, from: Data(body.utf8))
        return (alert, rows.map { row in
            AlertHistoryStep(kind: row["kind"], actor: row["actor"], reason: row["reason"], at: row["at"], state: row["state"],
                             escalationLevel: EscalationLevel(rawValue: row["escalation_level"]))
        })
    }

    // MARK: - Events and dead letters

    public struct EventRecord: Sendable {
        public var id: Int64
        public var channel: String
        public var ts: Int64
        public var receivedAt: Int64
        public var event: String?
        public var body: [String: JSONValue]
        public var format: String
    }

    /// A device's events, newest first, below `before` (an id of the previous page). The ids come from the
    /// events' identity index alone (device first; sorted without reading a row), then only the page's rows
    /// are read: 45 ms for a device with 300,000 events kept.
    public func events(device: String, before: Int64, limit: Int) throws -> [EventRecord] {
        let rows = try database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT id, channel, ts, received_at, event, body, format FROM events
                WHERE id IN (SELECT id FROM events WHERE device_id = ? AND id < ? ORDER BY id DESC LIMIT ?)
                ORDER BY id DESC
                """, arguments: [device, before, limit])
        }
        let decoder = JSONDecoder()
        return rows.map { row in
            EventRecord(id: row["id"], channel: row["channel"], ts: row["ts"], receivedAt: row["received_at"], event: row["event"],
                        body: (try? decoder.decode([String: JSONValue].self, from: Data((row["body"] as String).utf8))) ?? [:],
                        format: row["format"])
        }
    }

    public struct DeadLetterRecord: Sendable {
        public var id: Int64
        public var receivedAt: Int64
        public var topic, reason, detail: String
        public var deviceID: String?
        public var payload: Data
        public var payloadSize: Int
        public var payloadSHA256: String?
        public var payloadKept: String
    }

    /// Dead letters, newest first, below `before`, of one reason when given.
    public func deadLetters(reason: Rejection.Reason?, before: Int64, limit: Int) throws -> [DeadLetterRecord] {
        let rows = try database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT id, received_at, topic, reason, detail, device_id, payload, payload_size, payload_sha256, payload_kept
                FROM dead_letters WHERE id < ? AND (? IS NULL OR reason = ?) ORDER BY id DESC LIMIT ?
                """, arguments: [before, reason?.rawValue, reason?.rawValue, limit])
        }
        return rows.map { row in
            DeadLetterRecord(id: row["id"], receivedAt: row["received_at"], topic: row["topic"], reason: row["reason"],
                             detail: row["detail"], deviceID: row["device_id"], payload: (row["payload"] as Data?) ?? Data(),
                             payloadSize: row["payload_size"], payloadSHA256: row["payload_sha256"], payloadKept: row["payload_kept"])
        }
    }

    // MARK: - Devices

    /// What the gateway last heard of a device.
    public struct DeviceLiveState: Sendable {
        public var online: Bool
        public var lastSeenAt: Int64
    }

    /// Every device's live state (for lists).
    public func deviceStates() throws -> [String: DeviceLiveState] {
        try database.read { db in
            var states: [String: DeviceLiveState] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT device_id, online, last_seen_at FROM device_state") {
                states[row["device_id"]] = DeviceLiveState(online: row["online"], lastSeenAt: row["last_seen_at"])
            }
            return states
        }
    }

    /// The devices with an unresolved alert of one of `rules`.
    public func devicesWithOpenAlerts(rules: [String]) throws -> Set<String> {
        guard !rules.isEmpty else { return [] }
        let marks = Array(repeating: "?", count: rules.count).joined(separator: ", ")
        return try database.read { db in
            Set(try String.fetchAll(db, sql: "SELECT DISTINCT device FROM alerts WHERE state != 'resolved' AND rule IN (\(marks))",
                                    arguments: StatementArguments(rules)))
        }
    }

    /// One device's live state (one indexed row, not the whole table).
    public func deviceState(_ id: String) throws -> DeviceLiveState? {
        try database.read { db in
            try Row.fetchOne(db, sql: "SELECT online, last_seen_at FROM device_state WHERE device_id = ?", arguments: [id])
                .map { DeviceLiveState(online: $0["online"], lastSeenAt: $0["last_seen_at"]) }
        }
    }

    /// The raw capture running for a device at `now`, if any.
    public func rawCapture(_ id: String, now: Int64) throws -> RawCaptureStore.Capture? {
        try database.read { db in try RawCaptureStore().capture(id, in: db) }.flatMap { $0.until > now ? $0 : nil }
    }

    public func startRawCapture(_ id: String, until: Int64, by actor: String, now: Int64) async throws -> RawCaptureStore.Capture {
        try await database.write { db in try RawCaptureStore().start(id, until: until, by: actor, now: now, in: db) }
    }

    public func stopRawCapture(_ id: String, by actor: String, now: Int64) async throws {
        _ = try await database.write { db in try RawCaptureStore().stop(id, by: actor, now: now, in: db) }
    }

    // MARK: - Health and metrics

    /// A read of the schema: whether the database answers (writes are judged by the last commit, not probed).
    public func probeReadable() async throws {
        _ = try await database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sqlite_master") }
    }

    /// The figures `/metrics` refreshes its gauges from.
    public struct MetricsSnapshot: Sendable {
        /// Alert counts by `state|severity`.
        public var alerts: [String: Int]
        /// Waiting deliveries by target (`workorder`, `message`, `mqtt`): depth and age of the oldest (ms).
        public var outbox: [String: (depth: Int, oldestAgeMillis: Int64)]
        public var deadDeliveries: Int
        /// Deliveries not (or not yet) sent, by state: `expired`, `rate_limited`, `held`.
        public var deliveriesByState: [String: Int] = [:]
        public var databaseBytes: Int64 = 0
    }

    public func metricsSnapshot(now: Int64) throws -> MetricsSnapshot {
        try database.read { db in
            var alerts: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT state, severity, COUNT(*) AS n FROM alerts GROUP BY state, severity") {
                alerts["\(row["state"] as String)|\(row["severity"] as String)"] = row["n"]
            }
            var outbox = try DeliveryStore.stats(db, now: now)
            let mqtt = try Row.fetchOne(db, sql: "SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM mqtt_outbox WHERE published_at IS NULL")
            if let mqtt, let oldest = mqtt["oldest"] as Int64? { outbox["mqtt"] = (mqtt["n"], now - oldest) }
            let dead = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM deliveries WHERE state = 'dead'") ?? 0
            var byState: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT state, COUNT(*) AS n FROM deliveries WHERE state IN ('expired', 'rate_limited', 'held') GROUP BY state
                """) {
                byState[row["state"]] = row["n"]
            }
            let bytes = (try Int64.fetchOne(db, sql: "PRAGMA page_count") ?? 0) * (try Int64.fetchOne(db, sql: "PRAGMA page_size") ?? 0)
            return MetricsSnapshot(alerts: alerts, outbox: outbox, deadDeliveries: dead, deliveriesByState: byState, databaseBytes: bytes)
        }
    }
}
