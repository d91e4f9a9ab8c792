import AlertRules
import DeviceModel
import Foundation
import GRDB

/// The delivery outbox in SQLite: queued in the caller's transaction, leased by a worker, then marked
/// delivered, retried or dead.
struct DeliveryStore: Sendable {
    struct Row: Sendable {
        var id: Int64
        var idempotencyKey: String
        var target: PlannedDelivery.Target
        var kind: String
        var alertID: String
        var path: String
        var body: Data
        var attempts: Int
    }

    /// Queues a delivery built by the shell (not from a transition), e.g. a supervision (督办) notice.
    func enqueue(key: String, target: PlannedDelivery.Target, kind: String, alertID: String, path: String,
                 body: Data, now: Int64, in db: Database) throws {
        try db.execute(sql: """
            INSERT INTO deliveries (idempotency_key, target, kind, alert_id, path, body, state, next_attempt_at, created_at)
            VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?) ON CONFLICT (idempotency_key) DO NOTHING
            """, arguments: [key, target.rawValue, kind, alertID, path, String(decoding: body, as: UTF8.self), now, now])
    }

    /// Queues `planned`. A key already queued is ignored (a replay). A recipient over the hourly limit gets the
    /// row recorded as `rate_limited`, not sent — unless the delivery bypasses the limit (critical alerts, duty
    /// staff). A delivery held for quiet hours is recorded `held` until then (``releaseHeld(now:in:)``).
    func enqueue(_ planned: [PlannedDelivery], policy: ForwardingPolicy, now: Int64, in db: Database) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for delivery in planned {
            var state = "pending"
            var nextAttempt = now
            if let hold = delivery.holdUntil, hold > now {
                state = "held"
                nextAttempt = hold
            } else if let recipient = delivery.recipient, !delivery.bypassesRateLimit {
                let recent = try Int.fetchOne(db, sql: """
                    SELECT COUNT(*) FROM deliveries WHERE recipient = ? AND created_at > ?
                      AND state NOT IN ('rate_limited', 'held', 'digested')
                    """, arguments: [recipient, now - 3_600_000]) ?? 0
                if recent >= policy.messagesPerRecipientPerHour { state = "rate_limited" }
            }
            let body = try encoder.encode(delivery.body)
            try db.execute(sql: """
                INSERT INTO deliveries (idempotency_key, target, kind, alert_id, path, recipient, body, state, next_attempt_at, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (idempotency_key) DO NOTHING
                """, arguments: [delivery.idempotencyKey, delivery.target.rawValue, delivery.kind, delivery.alertID, delivery.path,
                                 delivery.recipient, String(decoding: body, as: UTF8.self), state, nextAttempt, now])
            guard db.changesCount > 0 else { continue }
            if let workOrder = delivery.workOrder {
                try db.execute(sql: """
                    INSERT INTO work_orders (alert_id, community, status, category, deadline_at, created_at, updated_at)
                    VALUES (?, ?, 'reported', ?, ?, ?, ?) ON CONFLICT (alert_id) DO NOTHING
                    """, arguments: [delivery.alertID, workOrder.community, workOrder.category, workOrder.deadlineAt, now, now])
            }
            if let status = delivery.closesWorkOrderAs {
                try WorkOrderStore().closeLocally(alertID: delivery.alertID, status: status, now: now, in: db)
            }
        }
    }

    /// Relatives' messages held for quiet hours whose hours are over: one left for a recipient and channel goes
    /// out as it is; several become one digest (``RelativeDigest``) and are marked `digested`. Returns how
    /// many deliveries were released.
    @discardableResult
    func releaseHeld(now: Int64, in db: Database) throws -> Int {
        let rows = try GRDB.Row.fetchAll(db, sql: """
            SELECT id, alert_id, recipient, body FROM deliveries WHERE state = 'held' AND next_attempt_at <= ? ORDER BY id LIMIT 500
            """, arguments: [now])
        guard !rows.isEmpty else { return 0 }
        var groups: [String: [(id: Int64, alertID: String, recipient: String, body: [String: JSONValue])]] = [:]
        var order: [String] = []
        for row in rows {
            let text: String = row["body"]
            let body = (try? JSONDecoder().decode([String: JSONValue].self, from: Data(text.utf8))) ?? [:]
            let recipient: String = row["recipient"] ?? ""
            let key = "\(recipient)|\(body["channel"]?.stringValue ?? "")"
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append((row["id"], row["alert_id"], recipient, body))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for key in order {
            let group = groups[key]!
            if group.count == 1 {
                try db.execute(sql: "UPDATE deliveries SET state = 'pending', next_attempt_at = ? WHERE id = ?", arguments: [now, group[0].id])
                continue
            }
            let digest = RelativeDigest.body(group.map(\.body))
            try db.execute(sql: """
                INSERT INTO deliveries (idempotency_key, target, kind, alert_id, recipient, body, state, next_attempt_at, created_at)
                VALUES (?, 'message', 'message.digest', ?, ?, ?, 'pending', ?, ?) ON CONFLICT (idempotency_key) DO NOTHING
                """, arguments: ["digest:\(group[0].id)", group[0].alertID, group[0].recipient,
                                 String(decoding: try encoder.encode(digest), as: UTF8.self), now, now])
            for item in group {
                try db.execute(sql: "UPDATE deliveries SET state = 'digested', response = ? WHERE id = ?",
                               arguments: ["in digest:\(group[0].id)", item.id])
            }
        }
        return rows.count
    }

    /// Leases up to `limit` due deliveries of `target`, oldest first, at most one per alert, recipient and channel
    /// (each recipient's messages of one alert in order; one failing recipient — or a voice provider refusing a
    /// call — never holds up another, nor the SMS to the same number):
    /// their next attempt moves to `leaseUntil`, so a crash mid-send retries them after the lease.
    func lease(target: PlannedDelivery.Target, now: Int64, leaseUntil: Int64, limit: Int, in db: Database) throws -> [Row] {
        let rows = try GRDB.Row.fetchAll(db, sql: """
            SELECT id, idempotency_key, target, kind, alert_id, path, body, attempts FROM deliveries d
            WHERE d.state = 'pending' AND d.target = ? AND d.next_attempt_at <= ?
              AND NOT EXISTS (SELECT 1 FROM deliveries e WHERE e.alert_id = d.alert_id AND e.target = d.target
                              AND e.recipient IS d.recipient AND e.state = 'pending' AND e.id < d.id
                              AND json_extract(e.body, '$.channel') IS json_extract(d.body, '$.channel'))
            ORDER BY d.id LIMIT ?
            """, arguments: [target.rawValue, now, limit])
        var leased: [Row] = []
        for row in rows {
            let id: Int64 = row["id"]
            try db.execute(sql: "UPDATE deliveries SET next_attempt_at = ? WHERE id = ?", arguments: [leaseUntil, id])
            leased.append(Row(id: id, idempotencyKey: row["idempotency_key"], target: target, kind: row["kind"],
                              alertID: row["alert_id"], path: row["path"], body: Data((row["body"] as String).utf8),
                              attempts: row["attempts"]))
        }
        return leased
    }

    func markDelivered(_ id: Int64, status: Int, response: String, now: Int64, in db: Database) throws {
        try db.execute(sql: """
            UPDATE deliveries SET state = 'delivered', attempts = attempts + 1, delivered_at = ?, last_status = ?,
                response = ?, last_error = NULL WHERE id = ?
            """, arguments: [now, status, String(response.prefix(2048)), id])
    }

    /// Another attempt later — or none: a delivery whose next attempt would fall after `expiresAfterCreation` (ms
    /// since it was queued) becomes `expired`. Returns whether it expired.
    @discardableResult
    func markRetry(_ id: Int64, status: Int?, error: String, nextAttemptAt: Int64, expiresAfterCreation: Int64,
                   in db: Database) throws -> Bool {
        try db.execute(sql: """
            UPDATE deliveries SET attempts = attempts + 1, next_attempt_at = ?, last_status = ?, last_error = ?,
                state = CASE WHEN ? - created_at > ? THEN 'expired' ELSE state END
            WHERE id = ?
            """, arguments: [nextAttemptAt, status, String(error.prefix(500)), nextAttemptAt, expiresAfterCreation, id])
        return try String.fetchOne(db, sql: "SELECT state FROM deliveries WHERE id = ?", arguments: [id]) == "expired"
    }

    func markDead(_ id: Int64, status: Int, response: String, in db: Database) throws {
        try db.execute(sql: """
            UPDATE deliveries SET state = 'dead', attempts = attempts + 1, last_status = ?, response = ? WHERE id = ?
            """, arguments: [status, String(response.prefix(2048)), id])
    }

    /// The latest alert or duty message sent to `recipient` since `since` (what a reply answers): its alert, and
    /// for duty staff their roster id.
    func latestMessage(to recipient: String, since: Int64, in db: Database) throws -> (alertID: String, dutyContact: String?)? {
        guard let row = try GRDB.Row.fetchOne(db, sql: """
            SELECT alert_id, kind, body FROM deliveries
            WHERE recipient = ? AND created_at >= ? AND kind IN ('message.alert', 'message.escalated', 'message.duty')
              AND state IN ('pending', 'delivered')
            ORDER BY id DESC LIMIT 1
            """, arguments: [recipient, since]) else { return nil }
        var contact: String?
        if (row["kind"] as String) == "message.duty" {
            let text: String = row["body"]
            let body = try? JSONDecoder().decode([String: JSONValue].self, from: Data(text.utf8))
            contact = body?["duty_contact"]?.stringValue
        }
        return (row["alert_id"], contact)
    }

    /// Queue depth and the age of the oldest pending delivery (ms), per target: for metrics.
    static func stats(_ db: Database, now: Int64) throws -> [String: (depth: Int, oldestAgeMillis: Int64)] {
        var result: [String: (Int, Int64)] = [:]
        for row in try GRDB.Row.fetchAll(db, sql: """
            SELECT target, COUNT(*) AS depth, MIN(created_at) AS oldest FROM deliveries WHERE state = 'pending' GROUP BY target
            """) {
            let oldest: Int64 = row["oldest"]
            result[row["target"]] = (row["depth"], now - oldest)
        }
        return result
    }
}
