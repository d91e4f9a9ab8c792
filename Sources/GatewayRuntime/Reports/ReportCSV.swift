import Foundation

/// The report as CSV (RFC 4180, UTF-8 with a BOM so spreadsheet programs read the Chinese labels): one row per
/// figure, `section,figure,key,label,value,previous`, carrying the same numbers as the JSON. Shares are
/// fractions (0.9667), durations seconds, empty where there is nothing to rate.
public enum ReportCSV {
    public static func render(_ report: GovernanceReport) -> String {
        var lines = ["section,figure,key,label,value,previous"]
        func add(_ section: String, _ figure: String, _ key: String, _ label: String, _ value: Double?, _ previous: Double?) {
            lines.append([section, figure, key, label, number(value), number(previous)].map(field).joined(separator: ","))
        }
        func int(_ v: Int) -> Double { Double(v) }
        let c = report.current, p = report.previous
        add("report", "period", "from", report.period.from, nil, nil)
        add("report", "period", "to", report.period.to, nil, nil)
        add("report", "scope", report.scope.id ?? "all", report.scope.name, nil, nil)
        for headline in report.headlines {
            add("headline", headline.key, headline.key, headline.label, headline.value, headline.previous)
        }
        func shares(_ figure: String, _ now: [OnlineShare], _ before: [OnlineShare]) {
            for share in now {
                let old = before.first { $0.key == share.key }
                add("devices", figure, share.key, share.label, share.onlineRate, old?.onlineRate)
                add("devices", figure + "_devices", share.key, share.label, int(share.devices), old.map { int($0.devices) })
            }
        }
        add("devices", "registered", "all", "登记设备", int(c.devices.registered), int(p.devices.registered))
        add("devices", "battery_low_devices", "all", "低电量设备", int(c.devices.batteryLowDevices), int(p.devices.batteryLowDevices))
        shares("online_rate_by_family", c.devices.onlineByFamily, p.devices.onlineByFamily)
        shares("online_rate_by_community", c.devices.onlineByCommunity, p.devices.onlineByCommunity)
        for id in c.devices.neverSeenDevices { add("devices", "never_seen_device", id, id, nil, nil) }
        func counts(_ section: String, _ figure: String, _ now: [KeyCount], _ before: [KeyCount]) {
            for item in now {
                add(section, figure, item.key, item.label, int(item.count), before.first { $0.key == item.key }.map { int($0.count) })
            }
        }
        counts("alerts", "by_rule", c.alerts.byRule, p.alerts.byRule)
        counts("alerts", "by_severity", c.alerts.bySeverity, p.alerts.bySeverity)
        counts("alerts", "by_community", c.alerts.byCommunity, p.alerts.byCommunity)
        counts("alerts", "by_building", c.alerts.byBuilding, p.alerts.byBuilding)
        counts("alerts", "category", c.alerts.categories, p.alerts.categories)
        counts("alerts", "per_day", c.alerts.perDay, [])
        for (name, now, before) in [("ack_distribution", c.alerts.ackDistribution, p.alerts.ackDistribution),
                                    ("resolve_distribution", c.alerts.resolveDistribution, p.alerts.resolveDistribution)] {
            for bucket in now {
                add("alerts", name, bucket.bucket, bucket.bucket, int(bucket.count), before.first { $0.bucket == bucket.bucket }.map { int($0.count) })
            }
        }
        add("alerts", "escalated_to_community", "count", "升级至社区", int(c.alerts.escalatedToCommunity), int(p.alerts.escalatedToCommunity))
        add("alerts", "escalated_to_street", "count", "升级至街道", int(c.alerts.escalatedToStreet), int(p.alerts.escalatedToStreet))
        add("alerts", "resolved", "count", "已办结告警", int(c.alerts.resolved), int(p.alerts.resolved))
        add("alerts", "resolved_at_grid", "count", "网格内办结", int(c.alerts.resolvedAtGrid), int(p.alerts.resolvedAtGrid))
        for rate in c.alerts.falseAlarmsByRule {
            add("alerts", "false_alarm_rate_by_rule", rate.key, rate.label, rate.falseAlarmRate,
                p.alerts.falseAlarmsByRule.first { $0.key == rate.key }?.falseAlarmRate)
            add("alerts", "false_alarms_by_rule", rate.key, rate.label, int(rate.falseAlarms), nil)
        }
        for device in c.alerts.noisiestDevices {
            add("alerts", "noisiest_device_false_alarms", device.key, device.label, int(device.falseAlarms), nil)
            add("alerts", "noisiest_device_alerts", device.key, device.label, int(device.alerts), nil)
            add("alerts", "noisiest_device_false_alarm_rate", device.key, device.label, device.falseAlarmRate, nil)
        }
        add("work_orders", "closed_on_time", "count", "限时办结", int(c.workOrders.closedOnTime), int(p.workOrders.closedOnTime))
        add("work_orders", "cancelled", "count", "撤销（误报）", int(c.workOrders.cancelled), int(p.workOrders.cancelled))
        add("work_orders", "time_to_close_p90", "seconds", "办结用时（90分位）", c.workOrders.timeToClose.p90Seconds.map(Double.init),
            p.workOrders.timeToClose.p90Seconds.map(Double.init))
        for row in c.workOrders.byCommunity {
            let old = p.workOrders.byCommunity.first { $0.key == row.key }
            add("work_orders", "dispatched_by_community", row.key, row.label, int(row.dispatched), old.map { int($0.dispatched) })
            add("work_orders", "closed_by_community", row.key, row.label, int(row.closed), old.map { int($0.closed) })
            add("work_orders", "on_time_rate_by_community", row.key, row.label, row.onTimeRate, old?.onTimeRate)
        }
        add("elder_care", "alerts", "count", "老人告警数", int(c.elderCare.alerts), int(p.elderCare.alerts))
        add("elder_care", "residents_with_alerts", "count", "有告警的老人", int(c.elderCare.residentsWithAlerts), int(p.elderCare.residentsWithAlerts))
        add("elder_care", "relative_messages", "count", "家属消息", int(c.elderCare.relativeMessages), int(p.elderCare.relativeMessages))
        add("elder_care", "delivered", "count", "已送达", int(c.elderCare.delivered), int(p.elderCare.delivered))
        add("elder_care", "not_delivered", "count", "未送达", int(c.elderCare.notDelivered), int(p.elderCare.notDelivered))
        add("elder_care", "first_message_p90", "seconds", "告警至家属首条消息（90分位）",
            c.elderCare.timeToFirstMessage.p90Seconds.map(Double.init), p.elderCare.timeToFirstMessage.p90Seconds.map(Double.init))
        return "\u{FEFF}" + lines.joined(separator: "\r\n") + "\r\n"
    }

    /// Integers without a decimal point; other numbers with up to 6 decimals.
    static func number(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "" }
        if value.rounded() == value, abs(value) < 1e15 { return String(Int64(value)) }
        var text = String(format: "%.6f", value)
        while text.hasSuffix("0") { text.removeLast() }
        return text
    }

    /// Quoted when it holds a comma, quote or line break; a leading `=`, `+`, `-`, `@` is prefixed with `'`
    /// so a spreadsheet never runs a label as a formula.
    static func field(_ text: String) -> String {
        var text = text
        if let first = text.first, "=+-@".contains(first), Double(text) == nil { text = "'" + text }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
