import GRDB

/// Work-order figures (网格工单): dispatched in the period, and as they stood at its end — closed (办结, the first
/// `closed` update), on time (closed at or before the deadline: 限时办结), cancelled, overdue; 督办 notices sent.
extension ReportStore {
    static let periodWorkOrdersSQL = """
        SELECT w.alert_id, w.community, w.created_at, w.deadline_at,
               (SELECT MIN(u.at) FROM work_order_updates u WHERE u.alert_id = w.alert_id AND u.status = 'closed' AND u.at < :end) AS closed_at,
               (SELECT MIN(u.at) FROM work_order_updates u WHERE u.alert_id = w.alert_id AND u.status = 'cancelled' AND u.at < :end) AS cancelled_at
        FROM work_orders w
        WHERE w.created_at >= :start AND w.created_at < :end AND w.community IN (SELECT value FROM json_each(:communities))
        """

    func workOrders(_ bounds: Bounds, scope: ReportScope, in db: Database) throws -> WorkOrderFigures {
        let arguments: StatementArguments = ["start": bounds.start, "end": bounds.end, "communities": bounds.communities]
        let base = "WITH pw AS MATERIALIZED (\(Self.periodWorkOrdersSQL))"
        let columns = """
            COUNT(*) AS dispatched, COUNT(closed_at) AS closed, COALESCE(SUM(closed_at <= deadline_at), 0) AS on_time,
            COALESCE(SUM(closed_at IS NULL AND cancelled_at IS NOT NULL), 0) AS cancelled,
            COALESCE(SUM(closed_at IS NULL AND cancelled_at IS NULL AND deadline_at < :end), 0) AS overdue
            """
        let total = try Row.fetchOne(db, sql: "\(base) SELECT \(columns) FROM pw", arguments: arguments)!
        var rows: [String: Row] = [:]
        for row in try Row.fetchAll(db, sql: "\(base) SELECT community, \(columns) FROM pw GROUP BY community", arguments: arguments) {
            rows[row["community"]] = row
        }
        let byCommunity = scope.summary.communities.map { id in
            WorkOrderCommunity(key: id, label: scope.communityNames[id] ?? id, dispatched: rows[id]?["dispatched"] ?? 0,
                               closed: rows[id]?["closed"] ?? 0, closedOnTime: rows[id]?["on_time"] ?? 0)
        }
        // 督办 notices of the scope's work orders queued in the period (one per supervision, each sent once).
        let supervisions = try Int.fetchOne(db, sql: """
            SELECT COUNT(*) FROM work_orders w JOIN deliveries d ON d.alert_id = w.alert_id AND d.target = 'workorder'
            WHERE d.kind = 'workorder.supervise' AND d.created_at >= :start AND d.created_at < :end
              AND w.created_at < :end AND w.community IN (SELECT value FROM json_each(:communities))
            """, arguments: arguments) ?? 0
        return WorkOrderFigures(
            dispatched: total["dispatched"], closed: total["closed"], closedOnTime: total["on_time"], cancelled: total["cancelled"],
            overdue: total["overdue"], supervisions: supervisions,
            timeToClose: try Self.stats("SELECT closed_at - created_at AS v FROM (\(Self.periodWorkOrdersSQL))", arguments, in: db),
            byCommunity: byCommunity)
    }
}
