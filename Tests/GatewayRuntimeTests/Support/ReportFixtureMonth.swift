import Foundation
import GRDB
@testable import GatewayRuntime

/// A deterministic month (November 2026, UTC+08:00) written through the real schema into a real SQLite file,
/// on the sample devices.yaml: status and telemetry events, device state, alerts with their transitions, work
/// orders with their updates and 督办 notices, relatives' and duty messages, a maintenance window — and one
/// alert and some offline time in October, the comparison period. `ReportTests` asserts the figures this
/// produces; the comments give the reasoning for each.
struct ReportFixtureMonth {
    static let period = try! ReportPeriod(from: "2026-11-01", to: "2026-12-01", utcOffsetSeconds: 8 * 3600)
    static let m: Int64 = 60_000, h: Int64 = 3_600_000, d: Int64 = 86_400_000
    static var s: Int64 { period.startMillis }

    let database: DatabasePool
    let path: String

    static func make(in directory: URL) throws -> ReportFixtureMonth {
        let path = directory.appendingPathComponent("report.sqlite").path
        let database = try GatewayDatabase.open(path: path)
        try database.write { db in try write(db) }
        return ReportFixtureMonth(database: database, path: path)
    }

    private static func write(_ db: Database) throws {
        // Five devices seen; every other device of the registry never was.
        for (device, firstSeen) in [("xf-0301-band", s - 10 * d), ("xf-gate-north-cam", s - 10 * d), ("xf-b3-facade-cam", s + 15 * d),
                                    ("cy-0204-band", s - 40 * d), ("xf-b3-smoke-stair", s - 40 * d)] {
            try db.execute(sql: """
                INSERT INTO device_state (device_id, online, status_ts, last_ts, first_seen_at, last_seen_at, status_changed_at)
                VALUES (?, 1, NULL, ?, ?, ?, ?)
                """, arguments: [device, s + 20 * d, firstSeen, s + 20 * d, firstSeen])
        }
        // xf-0301-band: offline by status 6 h on day 1 (S+1d → S+1d+6h), and a device.offline alert S+1d+2h → S+1d+8h:
        // merged, 8 h offline. xf-gate-north-cam: offline since S−2d until S+12h (12 h in November, 48 h in October).
        try status("xf-0301-band", "xingfuli", at: s + d, online: false, in: db)
        try status("xf-0301-band", "xingfuli", at: s + d + 6 * h, online: true, in: db)
        try status("xf-gate-north-cam", "xingfuli", at: s - 2 * d, online: false, in: db)
        try status("xf-gate-north-cam", "xingfuli", at: s + 12 * h, online: true, in: db)
        try status("cy-0204-band", "cuiyuan1", at: s - 30 * d, online: true, in: db)
        // Telemetry is not status: ignored by the uptime figures however much there is.
        for index in 0..<200 {
            try db.execute(sql: """
                INSERT INTO events (device_id, community, channel, ts, native_key, received_at, event, body, format)
                VALUES ('xf-0301-band', 'xingfuli', 'telemetry', ?, '', ?, NULL, '{"battery":15,"heart_rate":72}', 'canonical')
                """, arguments: [s + Int64(index) * h, s + Int64(index) * h])
        }

        // Alerts opened in November (A1–A7, B1) and October (P1, B0).
        try alert("A1", "elder.fall", "critical", "xingfuli", "xf-0301-band", building: "3", room: "501", resident: "res-xf-0301",
                  opened: s + 2 * d, ack: 180_000, resolved: 2400_000, category: "genuine", in: db)
        try alert("A2", "elder.fall", "critical", "xingfuli", "xf-0301-band", building: "3", room: "501", resident: "res-xf-0301",
                  opened: s + 2 * d + h, ack: 600_000, resolved: 7200_000, category: "false_alarm", escalations: [5 * m], in: db)
        try alert("A3", "safety.smoke", "critical", "xingfuli", "xf-b3-smoke-stair", building: "3", room: nil, resident: nil,
                  opened: s + 5 * d, ack: 1200_000, resolved: 3600_000, category: "false_alarm", escalations: [5 * m, 15 * m], in: db)
        try alert("A4", "safety.smoke", "critical", "xingfuli", "xf-b3-smoke-stair", building: "3", room: nil, resident: nil,
                  opened: s + 6 * d, ack: nil, resolved: 1800_000, category: nil, in: db)
        try alert("A5", "access.door_forced", "major", "cuiyuan1", "cy-b2u3-door", building: "2", room: nil, resident: nil,
                  opened: s + 10 * d, ack: 60_000, resolved: 1200_000, category: "device_fault", in: db)
        try alert("A6", "device.offline", "warning", "xingfuli", "xf-0301-band", building: "3", room: "501", resident: "res-xf-0301",
                  opened: s + d + 2 * h, ack: nil, resolved: 6 * h, category: nil, in: db)
        // Acknowledged after the period's end and still open then: no MTTA, no MTTR in November.
        try alert("A7", "elder.sos", "critical", "cuiyuan1", "cy-0204-band", building: "2", room: "204", resident: "res-cy-0204",
                  opened: s + 29 * d + 23 * h, ack: 2 * h, resolved: nil, category: nil, in: db)
        // Battery low S+3d+20h → S+5d+2h: days 3, 4, 5.
        try alert("B1", "device.battery_low", "warning", "cuiyuan1", "cy-0204-band", building: "2", room: "204", resident: "res-cy-0204",
                  opened: s + 3 * d + 20 * h, ack: nil, resolved: d + 6 * h, category: nil, in: db)
        // October: opened S−1d, resolved S+2h: day 0 of November is a battery-low day; the alert counts in October.
        try alert("B0", "device.battery_low", "warning", "xingfuli", "xf-0301-band", building: "3", room: "501", resident: "res-xf-0301",
                  opened: s - d, ack: nil, resolved: d + 2 * h, category: nil, in: db)
        try alert("P1", "elder.fall", "critical", "xingfuli", "xf-0301-band", building: "3", room: "501", resident: "res-xf-0301",
                  opened: s - 5 * d, ack: 120_000, resolved: 600_000, category: "genuine", in: db)

        // Work orders: W1 on time, W2 cancelled (false alarm), W3 late, W4 and W5 overdue at the end (W5 closed in December).
        try workOrder("A3", "xingfuli", created: s + 5 * d + m, deadline: 30 * m, updates: [("closed", 20 * m)], in: db)
        try workOrder("A2", "xingfuli", created: s + 2 * d + h, deadline: h, updates: [("accepted", 5 * m), ("cancelled", 2 * h)], in: db)
        try workOrder("A5", "cuiyuan1", created: s + 10 * d, deadline: h, updates: [("dispatched", 10 * m), ("closed", 3 * h)], in: db)
        try workOrder("A7", "cuiyuan1", created: s + 29 * d + 23 * h, deadline: 30 * m, updates: [], in: db)
        try workOrder("A1", "xingfuli", created: s + 2 * d, deadline: 4 * h, updates: [("closed", 29 * d)], in: db)
        // 督办: W3 and W5 in November; W4's is in December.
        try delivery("sv:A5:1", "workorder", "workorder.supervise", "A5", recipient: nil, state: "delivered", created: s + 10 * d + h, delivered: 1000, in: db)
        try delivery("sv:A1:1", "workorder", "workorder.supervise", "A1", recipient: nil, state: "delivered", created: s + 2 * d + 4 * h, delivered: 1000, in: db)
        try delivery("sv:A7:1", "workorder", "workorder.supervise", "A7", recipient: nil, state: "pending", created: s + 30 * d + 10 * m, delivered: nil, in: db)

        // Relatives: A1 to R1 (30 s) and R2 (50 s), resolved to R1; A2 to R1 dead, to R2 (90 s); A7 to R3 pending. Duty is not a relative.
        let a1 = s + 2 * d, a2 = s + 2 * d + h
        try delivery("m1", "message", "message.alert", "A1", recipient: "13800000001", state: "delivered", created: a1, delivered: 30_000, in: db)
        try delivery("m2", "message", "message.alert", "A1", recipient: "oWx-relative-2", state: "delivered", created: a1, delivered: 50_000, in: db)
        try delivery("m3", "message", "message.resolved", "A1", recipient: "13800000001", state: "delivered", created: a1 + 40 * m, delivered: 5000, in: db)
        try delivery("m4", "message", "message.alert", "A2", recipient: "13800000001", state: "dead", created: a2, delivered: nil, in: db)
        try delivery("m5", "message", "message.alert", "A2", recipient: "oWx-relative-2", state: "delivered", created: a2, delivered: 90_000, in: db)
        try delivery("m6", "message", "message.alert", "A7", recipient: "13800000003", state: "pending", created: s + 29 * d + 23 * h, delivered: nil, in: db)
        try delivery("duty1", "message", "message.duty", "A1", recipient: "13905710101", state: "delivered", created: a1, delivered: 10_000, in: db)

        // Maintenance of the stairwell smoke sensor on day 10.
        try db.execute(sql: "INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, 'installer-app', 'device.maintenance.start', 'xf-b3-smoke-stair', NULL)",
                       arguments: [s + 10 * d])
    }

    private static func status(_ device: String, _ community: String, at ts: Int64, online: Bool, in db: Database) throws {
        try db.execute(sql: """
            INSERT INTO events (device_id, community, channel, ts, native_key, received_at, event, body, format)
            VALUES (?, ?, 'status', ?, '', ?, NULL, ?, 'canonical')
            """, arguments: [device, community, ts, ts, online ? #"{"online":true}"# : #"{"online":false}"#])
    }

    /// An alert row whose body is the real `Alert` JSON (the test decodes it back), with its opened, escalated,
    /// acknowledged and resolved transitions. `ack`, `resolved` and `escalations` are offsets from opening.
    private static func alert(_ id: String, _ rule: String, _ severity: String, _ community: String, _ device: String,
                              building: String, room: String?, resident: String?, opened: Int64, ack: Int64?, resolved: Int64?,
                              category: String?, escalations: [Int64] = [], in db: Database) throws {
        var location: [String: Any] = ["building": building]
        if let room { location["room"] = room }
        var body: [String: Any] = [
            "id": id, "key": ["rule": rule, "scope": device], "rule": rule, "community": community, "device": device,
            "grid": "330106005001", "location": location, "severity": severity, "state": resolved == nil ? (ack == nil ? "open" : "acknowledged") : "resolved",
            "title": rule, "sourceTS": opened, "lastSourceTS": opened, "reading": [String: Any](), "openedAt": opened,
            "updatedAt": opened, "lastSeenAt": opened, "count": 1, "escalationLevel": escalations.count, "flapping": false,
        ]
        if let resident { body["resident"] = resident }
        if let ack { body["acknowledgedAt"] = opened + ack; body["acknowledgedBy"] = "console-01" }
        if let resolved { body["resolvedAt"] = opened + resolved; body["resolvedBy"] = "console-01" }
        if let category { body["resolution"] = category }
        let json = String(decoding: try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys]), as: UTF8.self)
        try db.execute(sql: """
            INSERT INTO alerts (id, rule, scope, community, device, severity, state, title, escalation_level, opened_at, updated_at, resolved_at, body)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [id, rule, device, community, device, severity, body["state"] as! String, rule, escalations.count, opened,
                             opened, resolved.map { opened + $0 }, json])
        func transition(_ kind: String, at: Int64, level: Int) throws {
            try db.execute(sql: """
                INSERT INTO alert_transitions (alert_id, kind, actor, reason, at, state, escalation_level) VALUES (?, ?, 'system', '', ?, 'open', ?)
                """, arguments: [id, kind, at, level])
        }
        try transition("opened", at: opened, level: 0)
        for (index, offset) in escalations.enumerated() { try transition("escalated", at: opened + offset, level: index + 1) }
        // A duty notice at the street rung is not an escalation.
        try transition("notified", at: opened, level: 2)
        if let ack { try transition("acknowledged", at: opened + ack, level: escalations.count) }
        if let resolved { try transition("resolved", at: opened + resolved, level: escalations.count) }
    }

    private static func workOrder(_ alert: String, _ community: String, created: Int64, deadline: Int64, updates: [(String, Int64)],
                                  in db: Database) throws {
        try db.execute(sql: """
            INSERT INTO work_orders (alert_id, community, status, category, deadline_at, created_at, updated_at) VALUES (?, ?, ?, 'C01', ?, ?, ?)
            """, arguments: [alert, community, updates.last?.0 ?? "reported", created + deadline, created, created])
        for (status, offset) in updates {
            try db.execute(sql: "INSERT INTO work_order_updates (alert_id, status, actor, note, at) VALUES (?, ?, 'workorder-system', NULL, ?)",
                           arguments: [alert, status, created + offset])
        }
    }

    private static func delivery(_ key: String, _ target: String, _ kind: String, _ alert: String, recipient: String?, state: String,
                                 created: Int64, delivered: Int64?, in db: Database) throws {
        try db.execute(sql: """
            INSERT INTO deliveries (idempotency_key, target, kind, alert_id, recipient, body, state, next_attempt_at, created_at, delivered_at)
            VALUES (?, ?, ?, ?, ?, '{}', ?, ?, ?, ?)
            """, arguments: [key, target, kind, alert, recipient, state, created, created, delivered.map { created + $0 }])
    }
}
