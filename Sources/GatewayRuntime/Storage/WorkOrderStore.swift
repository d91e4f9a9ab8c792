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

    struct Overdue: Sendable {
        var alertID: String
        var community: String
        var externalRef: String?
        var status: String
        var deadline: Int64
    }

    /// Work orders past their deadline, not closed and not yet supervised; each is marked supervised.
    func takeOverdue(now: Int64, in db: StorageConnection) throws -> [Overdue] {
        let overdue = try Row.fetchAll(db, sql: """
            SELECT alert_id, community, external_ref, status, deadline_at FROM work_orders
            WHERE status != 'closed' AND supervised_at IS NULL AND deadline_at <= ?
            """, arguments: [now]).map { row in
            Overdue(alertID: row["alert_id"], community: row["community"], externalRef: row["external_ref"], status: row["status"],
                    deadline: row["deadline_at"])
        }
        for order in overdue {
            try db.execute(sql: "UPDATE work_orders SET supervised_at = ?, updated_at = ? WHERE alert_id = ?",
                           arguments: [now, now, order.alertID])
        }
        return overdue
    }
}
