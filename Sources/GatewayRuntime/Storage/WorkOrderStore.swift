import Foundation
import GRDB

/// Work orders opened for alerts, their status as the grid system reports it, and supervision (督办).
struct WorkOrderStore: Sendable {
    /// The recorded status of the work order of `alertID`, nil when none was opened.
    func status(of alertID: String, in db: StorageConnection) throws -> String? {
        try String.fetchOne(db, sql: "SELECT status FROM work_orders WHERE alert_id = ?", arguments: [alertID])
    }

    func record(status: String, workOrderID: String?, actor: String, note: String?, alertID: String, now: Int64,
                in db: StorageConnection) throws {
        try db.execute(sql: """
            UPDATE work_orders SET status = ?, external_ref = COALESCE(?, external_ref), updated_at = ? WHERE alert_id = ?
            """, arguments: [status, workOrderID, now, alertID])
        try db.execute(sql: "INSERT INTO work_order_updates (alert_id, status, actor, note, at) VALUES (?, ?, ?, ?, ?)",
                       arguments: [alertID, status, actor, note, now])
    }

    /// The work-order system's own reference, from its answer to the creation (kept if one is known).
    func recordReference(_ reference: String, alertID: String, in db: StorageConnection) throws {
        try db.execute(sql: "UPDATE work_orders SET external_ref = COALESCE(external_ref, ?) WHERE alert_id = ?",
                       arguments: [reference, alertID])
    }

    /// The alert was resolved here: the work order is `closed` (or `cancelled`, a false alarm) on our side too,
    /// so it is no longer supervised. A work order already closed stays as it is.
    func closeLocally(alertID: String, status: String, now: Int64, in db: StorageConnection) throws {
        try db.execute(sql: """
            UPDATE work_orders SET status = ?, updated_at = ? WHERE alert_id = ? AND status NOT IN ('closed', 'cancelled')
            """, arguments: [status, now, alertID])
        if db.changesCount > 0 {
            try db.execute(sql: "INSERT INTO work_order_updates (alert_id, status, actor, note, at) VALUES (?, ?, 'gateway', ?, ?)",
                           arguments: [alertID, status, "alert resolved", now])
        }
    }

    struct Overdue: Sendable {
        var alertID: String
        var community: String
        var externalRef: String?
        var status: String
        var deadline: Int64
        /// This supervision's number: 1 at the deadline, then one more every half deadline until closed.
        var supervision: Int
    }

    /// Work orders past their deadline (or their next supervision) and not closed: each is marked supervised
    /// once more, the next supervision due after half the 处置时限 (at least a minute).
    func takeOverdue(now: Int64, in db: StorageConnection) throws -> [Overdue] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT alert_id, community, external_ref, status, deadline_at, created_at, supervisions FROM work_orders
            WHERE status NOT IN ('closed', 'cancelled') AND COALESCE(next_supervision_at, deadline_at) <= ?
              AND EXISTS (SELECT 1 FROM alerts a WHERE a.id = work_orders.alert_id AND a.state != 'resolved')
            ORDER BY deadline_at LIMIT 200
            """, arguments: [now])
        var overdue: [Overdue] = []
        for row in rows {
            let deadline: Int64 = row["deadline_at"], created: Int64 = row["created_at"], count: Int = row["supervisions"]
            let order = Overdue(alertID: row["alert_id"], community: row["community"], externalRef: row["external_ref"],
                                status: row["status"], deadline: deadline, supervision: count + 1)
            let next = now + max(60_000, (deadline - created) / 2)
            try db.execute(sql: """
                UPDATE work_orders SET supervised_at = ?, supervisions = ?, next_supervision_at = ?, updated_at = ? WHERE alert_id = ?
                """, arguments: [now, order.supervision, next, now, order.alertID])
            overdue.append(order)
        }
        return overdue
    }
}
