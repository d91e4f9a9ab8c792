import AlertRules
import GRDB

/// Alert figures: counts, MTTA/MTTR, escalation, resolution categories and false alarms. An alert counts in the
/// period it opened in; what happened to it counts as it stood at the period's end (an acknowledgement, a
/// resolution, an escalation after the end belongs to the next report), so a past month's report never changes.
extension ReportStore {
    /// The alerts of the period with their state at its end: `ack_ms`, `res_ms` (durations from opening),
    /// `category` (`auto` when the condition cleared by itself), `level` (highest rung reached).
    static let periodAlertsSQL = """
        SELECT id, rule, severity, community, device, opened_at,
               COALESCE(json_extract(body, '$.location.building'), '') AS building,
               COALESCE(json_extract(body, '$.location.room'), '') AS room,
               json_extract(body, '$.resident') AS resident,
               CASE WHEN json_extract(body, '$.acknowledgedAt') < :end
                    THEN json_extract(body, '$.acknowledgedAt') - opened_at END AS ack_ms,
               CASE WHEN resolved_at < :end THEN resolved_at - opened_at END AS res_ms,
               CASE WHEN resolved_at < :end THEN COALESCE(json_extract(body, '$.resolution'), 'auto') END AS category,
               COALESCE((SELECT MAX(t.escalation_level) FROM alert_transitions t
                         WHERE t.alert_id = alerts.id AND t.kind IN ('opened', 'escalated') AND t.at < :end), 0) AS level
        FROM alerts
        WHERE opened_at >= :start AND opened_at < :end AND community IN (SELECT value FROM json_each(:communities))
        """

    func alerts(_ bounds: Bounds, scope: ReportScope, period: ReportPeriod, in db: Database) throws -> AlertFigures {
        let arguments: StatementArguments = ["start": bounds.start, "end": bounds.end, "communities": bounds.communities]
        let base = "WITH pa AS MATERIALIZED (\(Self.periodAlertsSQL))"
        func counts(_ column: String) throws -> [KeyCount] {
            try Row.fetchAll(db, sql: "\(base) SELECT \(column) AS k, COUNT(*) AS n FROM pa GROUP BY k ORDER BY n DESC, k",
                             arguments: arguments).map { KeyCount(key: $0["k"], label: $0["k"], count: $0["n"]) }
        }
        let summary = try Row.fetchOne(db, sql: """
            \(base) SELECT COUNT(*) AS total, COALESCE(SUM(level >= 1), 0) AS to_community, COALESCE(SUM(level >= 2), 0) AS to_street,
                   COUNT(res_ms) AS resolved, COALESCE(SUM(res_ms IS NOT NULL AND level = 0), 0) AS at_grid FROM pa
            """, arguments: arguments)!
        var perDay = [Int](repeating: 0, count: period.days)
        for row in try Row.fetchAll(db, sql: "\(base) SELECT (opened_at - :start) / 86400000 AS d, COUNT(*) AS n FROM pa GROUP BY d",
                                    arguments: arguments) {
            let day: Int = row["d"]
            if perDay.indices.contains(day) { perDay[day] = row["n"] }
        }
        let rules = scope.ruleTitles
        var byRule = try counts("rule")
        for index in byRule.indices { byRule[index].label = rules[byRule[index].key] ?? byRule[index].key }
        var byCommunity = try counts("community")
        for index in byCommunity.indices { byCommunity[index].label = scope.communityNames[byCommunity[index].key] ?? byCommunity[index].key }
        var byBuilding = try counts("community || '/' || building")
        for index in byBuilding.indices {
            let parts = byBuilding[index].key.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            let community = scope.communityNames[String(parts[0])] ?? String(parts[0])
            let building = parts.count > 1 && !parts[1].isEmpty ? "\(parts[1])幢" : "公共区域"
            byBuilding[index].label = "\(community) \(building)"
        }
        let severityOrder = ["critical", "major", "warning", "info"]
        var bySeverity = try counts("severity")
        bySeverity.sort { (severityOrder.firstIndex(of: $0.key) ?? 9) < (severityOrder.firstIndex(of: $1.key) ?? 9) }
        for index in bySeverity.indices { bySeverity[index].label = Self.severityLabel(bySeverity[index].key) }
        var categories: [String: Int] = [:]
        for row in try Row.fetchAll(db, sql: "\(base) SELECT category, COUNT(*) AS n FROM pa WHERE category IS NOT NULL GROUP BY category",
                                    arguments: arguments) {
            categories[row["category"]] = row["n"]
        }
        let categoryList = ResolutionCategory.allCases.map { KeyCount(key: $0.rawValue, label: $0.label, count: categories[$0.rawValue] ?? 0) }
            + [KeyCount(key: "auto", label: "自动恢复", count: categories["auto"] ?? 0)]
        let rate = """
            COUNT(*) AS alerts, COALESCE(SUM(category IS NOT NULL AND category != 'auto'), 0) AS categorised,
            COALESCE(SUM(category = 'false_alarm'), 0) AS false_alarms
            """
        let byRuleRates = try Row.fetchAll(db, sql: "\(base) SELECT rule AS k, \(rate) FROM pa GROUP BY rule ORDER BY false_alarms DESC, alerts DESC, k",
                                           arguments: arguments).map {
            FalseAlarmRate(key: $0["k"], label: rules[$0["k"] as String] ?? $0["k"], alerts: $0["alerts"], categorised: $0["categorised"],
                           falseAlarms: $0["false_alarms"])
        }
        let noisiest = try Row.fetchAll(db, sql: """
            \(base) SELECT device AS k, MAX(community) AS community, MAX(building) AS building, MAX(room) AS room, \(rate)
            FROM pa GROUP BY device ORDER BY false_alarms DESC, alerts DESC, k LIMIT 10
            """, arguments: arguments).map { row -> FalseAlarmRate in
            let community: String = row["community"], building: String = row["building"], room: String = row["room"]
            var place = scope.communityNames[community] ?? community
            if !building.isEmpty { place += " \(building)幢" }
            if !room.isEmpty { place += " \(room)室" }
            return FalseAlarmRate(key: row["k"], label: place, alerts: row["alerts"], categorised: row["categorised"],
                                  falseAlarms: row["false_alarms"])
        }
        let ack = "SELECT ack_ms AS v FROM (\(Self.periodAlertsSQL))"
        let res = "SELECT res_ms AS v FROM (\(Self.periodAlertsSQL))"
        return AlertFigures(
            total: summary["total"], byRule: byRule, bySeverity: bySeverity, byCommunity: byCommunity, byBuilding: byBuilding,
            perDay: perDay.enumerated().map { KeyCount(key: period.dayText($0.offset), label: period.dayText($0.offset), count: $0.element) },
            mtta: try Self.stats(ack, arguments, in: db), mttr: try Self.stats(res, arguments, in: db),
            ackDistribution: try Self.buckets(ack, arguments, in: db), resolveDistribution: try Self.buckets(res, arguments, in: db),
            escalatedToCommunity: summary["to_community"], escalatedToStreet: summary["to_street"],
            resolved: summary["resolved"], resolvedAtGrid: summary["at_grid"], categories: categoryList,
            falseAlarmsByRule: byRuleRates, noisiestDevices: noisiest)
    }

    static func severityLabel(_ key: String) -> String {
        switch key {
        case "critical": "紧急"
        case "major": "重要"
        case "warning": "一般"
        case "info": "提示"
        default: key
        }
    }
}
