import GRDB

/// Elder-care figures: alerts on residents' devices and the relatives' messages they caused. Recipients are
/// counted, never read out (they are phone numbers and OpenIDs).
extension ReportStore {
    func elderCare(_ bounds: Bounds, scope: ReportScope, in db: Database) throws -> ElderCareFigures {
        let arguments: StatementArguments = ["start": bounds.start, "end": bounds.end, "communities": bounds.communities]
        let ctes = """
            ra AS MATERIALIZED (
                SELECT id, opened_at, json_extract(body, '$.resident') AS resident FROM alerts
                WHERE opened_at >= :start AND opened_at < :end AND community IN (SELECT value FROM json_each(:communities))
                  AND json_extract(body, '$.resident') IS NOT NULL),
            msgs AS (
                SELECT ra.id AS alert_id, ra.opened_at, d.kind, d.recipient,
                       CASE WHEN d.state = 'delivered' AND d.delivered_at < :end THEN d.delivered_at END AS delivered_at,
                       d.state IN ('dead', 'expired', 'rate_limited') AS given_up
                FROM ra JOIN deliveries d ON d.alert_id = ra.id AND d.target = 'message'
                WHERE d.kind IN ('message.alert', 'message.escalated', 'message.resolved', 'message.digest') AND d.created_at < :end)
            """
        let base = "WITH \(ctes)"
        let alerts = try Row.fetchOne(db, sql: "\(base) SELECT COUNT(*) AS n, COUNT(DISTINCT resident) AS residents FROM ra",
                                      arguments: arguments)!
        let messages = try Row.fetchOne(db, sql: """
            \(base) SELECT COUNT(*) AS n, COUNT(delivered_at) AS delivered, COALESCE(SUM(given_up), 0) AS given_up,
                   COUNT(DISTINCT CASE WHEN delivered_at IS NOT NULL THEN recipient END) AS relatives FROM msgs
            """, arguments: arguments)!
        let first = try Self.stats("""
            SELECT v FROM (WITH \(ctes) SELECT alert_id, MIN(delivered_at) - opened_at AS v FROM msgs
            WHERE kind = 'message.alert' AND delivered_at IS NOT NULL GROUP BY alert_id)
            """, arguments, in: db)
        return ElderCareFigures(
            residentsMonitored: scope.residentsMonitored, alerts: alerts["n"], residentsWithAlerts: alerts["residents"],
            relativeMessages: messages["n"], relativesNotified: messages["relatives"], delivered: messages["delivered"],
            notDelivered: messages["given_up"], timeToFirstMessage: first)
    }
}
