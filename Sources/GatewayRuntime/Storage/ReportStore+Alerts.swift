import Foundation
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
        let rate = """
            COUNT(*) AS n, COALESCE(SUM(category IS NOT NULL AND category != 'auto'), 0) AS categorised,
            COALESCE(SUM(category = 'false_alarm'), 0) AS false_alarms
            """
        // One statement, so the period's alerts are read once: every count as (dimension, key, n, categorised, false alarms).
        let rows = try Row.fetchAll(db, sql: """
            WITH pa AS MATERIALIZED (\(Self.periodAlertsSQL))
            SELECT 'rule' AS dim, rule AS k, \(rate) FROM pa GROUP BY rule
            UNION ALL SELECT 'severity', severity, \(rate) FROM pa GROUP BY severity
            UNION ALL SELECT 'community', community, \(rate) FROM pa GROUP BY community
            UNION ALL SELECT 'building', community || '/' || building, \(rate) FROM pa GROUP BY community, building
            UNION ALL SELECT 'category', category, \(rate) FROM pa WHERE category IS NOT NULL GROUP BY category
            UNION ALL SELECT 'day', CAST((opened_at - :start) / 86400000 AS TEXT), \(rate) FROM pa GROUP BY 2
            UNION ALL SELECT * FROM (SELECT 'device', device, \(rate) FROM pa GROUP BY device
                                     ORDER BY false_alarms DESC, n DESC, device LIMIT 10)
            UNION ALL SELECT 'summary', 'total', COUNT(*), 0, 0 FROM pa
            UNION ALL SELECT 'summary', 'to_community', COALESCE(SUM(level >= 1), 0), 0, 0 FROM pa
            UNION ALL SELECT 'summary', 'to_street', COALESCE(SUM(level >= 2), 0), 0, 0 FROM pa
            UNION ALL SELECT 'summary', 'resolved', COUNT(res_ms), 0, 0 FROM pa
            UNION ALL SELECT 'summary', 'at_grid', COALESCE(SUM(res_ms IS NOT NULL AND level = 0), 0), 0, 0 FROM pa
            """, arguments: arguments)
        func of(_ dimension: String) -> [(key: String, n: Int, categorised: Int, falseAlarms: Int)] {
            rows.filter { ($0["dim"] as String) == dimension }
                .map { (key: $0["k"], n: $0["n"], categorised: $0["categorised"], falseAlarms: $0["false_alarms"]) }
        }
        func counts(_ dimension: String, label: (String) -> String) -> [KeyCount] {
            of(dimension).map { KeyCount(key: $0.key, label: label($0.key), count: $0.n) }
                .sorted { $0.count != $1.count ? $0.count > $1.count : $0.key.compare($1.key, options: .numeric) == .orderedAscending }
        }
        let summary = Dictionary(uniqueKeysWithValues: of("summary").map { ($0.key, $0.n) })
        let rules = scope.ruleTitles
        var perDay = [Int](repeating: 0, count: period.days)
        for day in of("day") { if let index = Int(day.key), perDay.indices.contains(index) { perDay[index] = day.n } }
        let severityOrder = ["critical", "major", "warning", "info"]
        let bySeverity = counts("severity", label: Self.severityLabel)
            .sorted { (severityOrder.firstIndex(of: $0.key) ?? 9) < (severityOrder.firstIndex(of: $1.key) ?? 9) }
        let byBuilding = counts("building") { key in
            let parts = key.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            let community = scope.communityNames[String(parts[0])] ?? String(parts[0])
            return "\(community) \(parts.count > 1 && !parts[1].isEmpty ? "\(parts[1])幢" : "公共区域")"
        }
        let categories = Dictionary(uniqueKeysWithValues: of("category").map { ($0.key, $0.n) })
        let categoryList = ResolutionCategory.allCases.map { KeyCount(key: $0.rawValue, label: $0.label, count: categories[$0.rawValue] ?? 0) }
            + [KeyCount(key: "auto", label: "自动恢复", count: categories["auto"] ?? 0)]
        let byRuleRates = of("rule").sorted { ($0.falseAlarms, $0.n, $1.key) > ($1.falseAlarms, $1.n, $0.key) }.map {
            FalseAlarmRate(key: $0.key, label: rules[$0.key] ?? $0.key, alerts: $0.n, categorised: $0.categorised, falseAlarms: $0.falseAlarms)
        }
        let noisiest = try of("device").sorted { ($0.falseAlarms, $0.n, $1.key) > ($1.falseAlarms, $1.n, $0.key) }.map { device in
            FalseAlarmRate(key: device.key, label: try place(of: device.key, bounds: bounds, scope: scope, in: db), alerts: device.n,
                           categorised: device.categorised, falseAlarms: device.falseAlarms)
        }
        let (mtta, ackDistribution) = try Self.durations("SELECT ack_ms AS v FROM (\(Self.periodAlertsSQL))", arguments, in: db)
        let (mttr, resolveDistribution) = try Self.durations("SELECT res_ms AS v FROM (\(Self.periodAlertsSQL))", arguments, in: db)
        return AlertFigures(
            total: summary["total"] ?? 0, byRule: counts("rule") { rules[$0] ?? $0 }, bySeverity: bySeverity,
            byCommunity: counts("community") { scope.communityNames[$0] ?? $0 }, byBuilding: byBuilding,
            perDay: perDay.enumerated().map { KeyCount(key: period.dayText($0.offset), label: period.dayText($0.offset), count: $0.element) },
            mtta: mtta, mttr: mttr, ackDistribution: ackDistribution, resolveDistribution: resolveDistribution,
            escalatedToCommunity: summary["to_community"] ?? 0, escalatedToStreet: summary["to_street"] ?? 0,
            resolved: summary["resolved"] ?? 0, resolvedAtGrid: summary["at_grid"] ?? 0, categories: categoryList,
            falseAlarmsByRule: byRuleRates, noisiestDevices: noisiest)
    }

    /// `幸福里社区 3幢 501室`: where a device's latest alert of the period was (community, building, room).
    private func place(of device: String, bounds: Bounds, scope: ReportScope, in db: Database) throws -> String {
        let row = try Row.fetchOne(db, sql: """
            SELECT community, COALESCE(json_extract(body, '$.location.building'), '') AS building,
                   COALESCE(json_extract(body, '$.location.room'), '') AS room
            FROM alerts WHERE device = :device AND opened_at >= :start AND opened_at < :end ORDER BY opened_at DESC LIMIT 1
            """, arguments: ["device": device, "start": bounds.start, "end": bounds.end])
        guard let row else { return device }
        let community: String = row["community"], building: String = row["building"], room: String = row["room"]
        var place = scope.communityNames[community] ?? community
        if !building.isEmpty { place += " \(building)幢" }
        if !room.isEmpty { place += " \(room)室" }
        return place
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
