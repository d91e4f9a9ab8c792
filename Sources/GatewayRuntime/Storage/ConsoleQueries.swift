import AlertRules
import DeviceModel
import Foundation
import GRDB

/// The reads of the alarm console: the board as of a transition id, the transitions after one (the alert
/// stream), an alert's timeline and its snapshot. Each method is one read transaction, so the board and
/// its cursor always agree (WAL readers see one commit boundary).
struct ConsoleQueries: Sendable {
    let database: StoragePool

    /// The open and acknowledged alerts and the id of the last transition they include.
    struct Board: Sendable {
        var cursor: Int64
        var alerts: [Alert]
    }

    /// One transition of an alert, with the alert as it is now.
    struct Change: Sendable {
        var id: Int64
        var kind, actor, reason: String
        var at: Int64
        var alert: Alert
    }

    func board() throws -> Board {
        let (cursor, bodies) = try StorageAccess.readNow(database) { db in
            (try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM alert_transitions") ?? 0,
             try String.fetchAll(db, sql: "SELECT body FROM alerts WHERE state != 'resolved' ORDER BY opened_at DESC, id"))
        }
        let decoder = JSONDecoder()
        return Board(cursor: cursor, alerts: try bodies.map { try decoder.decode(Alert.self, from: Data($0.utf8)) })
    }

    /// The id of the newest transition (0 when there is none).
    func latestTransition() throws -> Int64 {
        try StorageAccess.readNow(database) { db in try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM alert_transitions") ?? 0 }
    }

    /// Transitions after `cursor`, oldest first, at most `limit`.
    func changes(after cursor: Int64, limit: Int) throws -> [Change] {
        let rows = try StorageAccess.readNow(database) { db in
            try Row.fetchAll(db, sql: """
                SELECT t.id, t.kind, t.actor, t.reason, t.at, a.body FROM alert_transitions t JOIN alerts a ON a.id = t.alert_id
                WHERE t.id > ? ORDER BY t.id LIMIT ?
                """, arguments: [cursor, limit])
        }
        let decoder = JSONDecoder()
        return try rows.map { row in
            Change(id: row["id"], kind: row["kind"], actor: row["actor"], reason: row["reason"], at: row["at"],
                   alert: try decoder.decode(Alert.self, from: Data((row["body"] as String).utf8)))
        }
    }

    /// An alert's work order as the timeline shows it (nothing in it is personal).
    struct WorkOrder: Encodable, Sendable {
        struct Update: Encodable, Sendable {
            var status, actor: String
            var note: String?
            var at: Int64
        }

        var status: String
        var externalRef: String?
        var category: String
        var deadlineAt, createdAt, updatedAt: Int64
        /// 督办: how many supervision notices were sent, and when the next is due.
        var supervisions: Int
        var nextSupervisionAt: Int64?
        var updates: [Update]

        enum CodingKeys: String, CodingKey {
            case status, category, supervisions, updates
            case externalRef = "external_ref", deadlineAt = "deadline_at", createdAt = "created_at", updatedAt = "updated_at"
            case nextSupervisionAt = "next_supervision_at"
        }
    }

    struct Delivery: Sendable {
        var target, kind, state: String
        var recipient: String?
        var attempts: Int
        var createdAt: Int64
        var deliveredAt: Int64?
        var lastStatus: Int?
    }

    /// The work order of an alert (with every status the work-order system reported) and its deliveries.
    func followUp(of alertID: String) throws -> (workOrder: WorkOrder?, deliveries: [Delivery]) {
        try StorageAccess.readNow(database) { db in
            var order: WorkOrder?
            if let row = try Row.fetchOne(db, sql: """
                SELECT status, external_ref, category, deadline_at, created_at, updated_at, supervisions, next_supervision_at
                FROM work_orders WHERE alert_id = ?
                """, arguments: [alertID]) {
                let updates = try Row.fetchAll(db, sql: "SELECT status, actor, note, at FROM work_order_updates WHERE alert_id = ? ORDER BY id",
                                               arguments: [alertID])
                    .map { WorkOrder.Update(status: $0["status"], actor: $0["actor"], note: $0["note"], at: $0["at"]) }
                order = WorkOrder(status: row["status"], externalRef: row["external_ref"], category: row["category"],
                                  deadlineAt: row["deadline_at"], createdAt: row["created_at"], updatedAt: row["updated_at"],
                                  supervisions: row["supervisions"], nextSupervisionAt: row["next_supervision_at"], updates: updates)
            }
            let deliveries = try Row.fetchAll(db, sql: """
                SELECT target, kind, state, recipient, attempts, created_at, delivered_at, last_status FROM deliveries
                WHERE alert_id = ? ORDER BY id
                """, arguments: [alertID]).map { row in
                Delivery(target: row["target"], kind: row["kind"], state: row["state"], recipient: row["recipient"],
                         attempts: row["attempts"], createdAt: row["created_at"], deliveredAt: row["delivered_at"],
                         lastStatus: row["last_status"])
            }
            return (order, deliveries)
        }
    }

    /// Every channel, so that a device's events are found by time through the events' identity index
    /// (device_id, channel, ts, native_key).
    private static let allChannels = Channel.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")

    /// The snapshot pushed with the event that raised `alert` (or a later one of the same alert), if it is
    /// still kept: its content hash and type.
    func snapshot(of alert: Alert) throws -> (sha256: String, contentType: String)? {
        try StorageAccess.readNow(database) { db in
            guard let sha256 = try String.fetchOne(db, sql: """
                SELECT json_extract(body, '$.snapshot.sha256') AS sha FROM events
                WHERE device_id = ? AND channel IN (\(Self.allChannels)) AND ts BETWEEN ? AND ? AND sha IS NOT NULL
                ORDER BY ts DESC, id DESC LIMIT 1
                """, arguments: [alert.device, alert.sourceTS, max(alert.sourceTS, alert.lastSourceTS)]),
                let type = try String.fetchOne(db, sql: "SELECT content_type FROM snapshots WHERE sha256 = ?", arguments: [sha256])
            else { return nil }
            return (sha256, type)
        }
    }
}
