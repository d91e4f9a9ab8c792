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

    /// Queues `planned`. A key already queued is ignored (a replay); a recipient over the hourly limit gets
    /// the row recorded as `rate_limited`, not sent.
    func enqueue(_ planned: [PlannedDelivery], policy: ForwardingPolicy, now: Int64, in db: Database) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for delivery in planned {
            var state = "pending"
            if let recipient = delivery.recipient {
                let recent = try Int.fetchOne(db, sql: """
                    SELECT COUNT(*) FROM deliveries WHERE recipient = ? AND created_at > ? AND state != 'rate_limited'
                    """, arguments: [recipient, now - 3_600_000]) ?? 0
                if recent >= policy.messagesPerRecipientPerHour { state = "rate_limited" }
            }
            let body = try encoder.encode(delivery.body)
            try db.execute(sql: """
                INSERT INTO deliveries (idempotency_key, target, kind, alert_id, recipient, body, state, next_attempt_at, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (idempotency_key) DO NOTHING
                """, arguments: [delivery.idempotencyKey, delivery.target.rawValue, delivery.kind, delivery.alertID,
                                 delivery.recipient, String(decoding: body, as: UTF8.self), state, now, now])
            if let workOrder = delivery.workOrder, db.changesCount > 0 {
                try db.execute(sql: """
                    INSERT INTO work_orders (alert_id, community, status, category, deadline_at, created_at, updated_at)
                    VALUES (?, ?, 'reported', ?, ?, ?, ?) ON CONFLICT (alert_id) DO NOTHING
                    """, arguments: [delivery.alertID, workOrder.community, workOrder.category, workOrder.deadlineAt, now, now])
            }
        }
    }

    /// Leases up to `limit` due deliveries of `target`, oldest first, at most one per alert (per-alert order):
    /// their next attempt moves to `leaseUntil`, so a crash mid-send retries them after the lease.
    func lease(target: PlannedDelivery.Target, now: Int64, leaseUntil: Int64, limit: Int, in db: Database) throws -> [Row] {
        let rows = try GRDB.Row.fetchAll(db, sql: """
            SELECT id, idempotency_key, target, kind, alert_id, path, body, attempts FROM deliveries d
            WHERE d.state = 'pending' AND d.target = ? AND d.next_attempt_at <= ?
              AND NOT EXISTS (SELECT 1 FROM deliveries e WHERE e.alert_id = d.alert_id AND e.target = d.target
                              AND e.state = 'pending' AND e.id < d.id)
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

    func markRetry(_ id: Int64, status: Int?, error: String, nextAttemptAt: Int64, in db: Database) throws {
        try db.execute(sql: """
            UPDATE deliveries SET attempts = attempts + 1, next_attempt_at = ?, last_status = ?, last_error = ? WHERE id = ?
            """, arguments: [nextAttemptAt, status, String(error.prefix(500)), id])
    }

    func markDead(_ id: Int64, status: Int, response: String, in db: Database) throws {
        try db.execute(sql: """
            UPDATE deliveries SET state = 'dead', attempts = attempts + 1, last_status = ?, response = ? WHERE id = ?
            """, arguments: [status, String(response.prefix(2048)), id])
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
