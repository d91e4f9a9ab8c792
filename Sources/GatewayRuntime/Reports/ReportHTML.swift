import Foundation

/// The report as one self-contained HTML page: Chinese headings, inline CSS and SVG charts, no scripts, no
/// external resources; prints to A4 from a browser. Every label is escaped.
public enum ReportHTML {
    public static func render(_ report: GovernanceReport) -> String {
        let c = report.current, p = report.previous
        var html = """
            <!DOCTYPE html>
            <html lang="zh-CN"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>社区治理月报 · \(escape(report.scope.name)) · \(report.period.from)</title>
            <style>\(style)</style></head><body>
            <header><h1>社区治理月报 · \(escape(report.scope.name))</h1>
            <p class="meta">统计期：\(report.period.from) 至 \(lastDay(report.period))（共 \(report.period.days) 天，\(offset(report.period))）
            · 对比期：\(report.previousPeriod.from) 至 \(lastDay(report.previousPeriod))
            · 范围：\(escape(scopeText(report.scope)))</p></header>

            """
        html += section("一、核心指标", headlineTable(report.headlines))
        html += section("二、设备运行", devices(c.devices, p.devices))
        html += section("三、告警处置", alerts(c.alerts, p.alerts))
        html += section("四、网格工单", workOrders(c.workOrders))
        html += section("五、养老看护", elderCare(c.elderCare))
        html += section("六、指标说明", definitions)
        return html + "</body></html>\n"
    }

    // MARK: - Sections

    static func headlineTable(_ headlines: [Headline]) -> String {
        var rows = ""
        for headline in headlines {
            rows += "<tr><td>\(escape(headline.label))</td><td class=\"n\">\(value(headline.value, headline.unit))</td>"
                + "<td class=\"n muted\">\(value(headline.previous, headline.unit))</td><td class=\"n\">\(change(headline))</td></tr>"
        }
        return "<table class=\"headlines\"><thead><tr><th>指标</th><th class=\"n\">本期</th><th class=\"n\">上期</th><th class=\"n\">环比</th></tr></thead><tbody>\(rows)</tbody></table>"
    }

    static func devices(_ c: DeviceFigures, _ p: DeviceFigures) -> String {
        var html = "<div class=\"cards\">"
        html += card("设备在线率", share(c.online.onlineRate), "上期 \(share(p.online.onlineRate))")
        html += card("雪亮视频在线率", share(c.sharpEyesVideo.onlineRate), "\(c.sharpEyesVideo.devices) 台摄像机/视频分析")
        html += card("从未上线", "\(c.neverSeen) 台", "登记 \(c.registered) 台")
        html += card("低电量设备·天", grouped(Int64(c.batteryLowDays)), "\(c.batteryLowDevices) 台设备")
        html += card("维护中设备", "\(c.inMaintenance) 台", "期内有维护窗口")
        html += "</div><h3>各类设备在线率</h3>"
        html += ReportCharts.shares(c.onlineByFamily.map { ($0.label, $0.onlineRate, "\($0.devices) 台") }, title: "各类设备在线率", target: 0.95)
        html += "<h3>各社区设备在线率</h3><table><thead><tr><th>社区</th><th class=\"n\">设备</th><th class=\"n\">设备时长（时）</th><th class=\"n\">离线时长（时）</th><th class=\"n\">在线率</th></tr></thead><tbody>"
        for row in c.onlineByCommunity {
            html += "<tr><td>\(escape(row.label))</td><td class=\"n\">\(grouped(Int64(row.devices)))</td><td class=\"n\">\(hours(row.deviceHours))</td>"
                + "<td class=\"n\">\(hours(row.offlineHours))</td><td class=\"n\">\(share(row.onlineRate))</td></tr>"
        }
        html += "</tbody></table>"
        if !c.neverSeenDevices.isEmpty {
            html += "<p class=\"note\">从未上线的设备：\(c.neverSeenDevices.map(escape).joined(separator: "、"))\(c.neverSeen > c.neverSeenDevices.count ? " 等" : "")</p>"
        }
        return html
    }

    static func alerts(_ c: AlertFigures, _ p: AlertFigures) -> String {
        var html = "<div class=\"cards\">"
        html += card("告警总数", grouped(Int64(c.total)), "上期 \(grouped(Int64(p.total)))")
        html += card("MTTA 中位数", duration(c.mtta.medianSeconds), "90分位 \(duration(c.mtta.p90Seconds))")
        html += card("MTTR 中位数", duration(c.mttr.medianSeconds), "90分位 \(duration(c.mttr.p90Seconds))")
        html += card("小事不出网格", share(c.resolvedAtGridShare), "\(c.resolvedAtGrid)/\(c.resolved) 件网格内办结")
        html += card("升级至社区 / 街道", "\(share(c.escalatedToCommunityShare)) / \(share(c.escalatedToStreetShare))",
                     "\(c.escalatedToCommunity) / \(c.escalatedToStreet) 件")
        html += card("误报率", share(c.falseAlarmRate), "人工定性的告警中")
        html += "</div><h3>每日告警趋势</h3>"
        let previousAverage = p.perDay.isEmpty ? nil : Double(p.total) / Double(p.perDay.count)
        html += ReportCharts.daily(c.perDay, previousAverage: previousAverage)
        html += "<h3>响应（MTTA）与处置（MTTR）用时分布</h3>"
        html += ReportCharts.distribution(ack: c.ackDistribution, resolve: c.resolveDistribution)
        html += "<div class=\"cols\"><div>" + countTable("按级别", "级别", c.bySeverity)
        html += countTable("按处置结果", "结果", c.categories) + "</div><div>"
        html += countTable("按社区", "社区", c.byCommunity)
        html += countTable("按楼栋（前 15）", "楼栋", Array(c.byBuilding.prefix(15))) + "</div></div>"
        html += "<h3>按规则（含误报率）</h3><table><thead><tr><th>规则</th><th class=\"n\">告警</th><th class=\"n\">人工定性</th><th class=\"n\">误报</th><th class=\"n\">误报率</th></tr></thead><tbody>"
        for row in c.falseAlarmsByRule { html += rateRow(escape(row.label), row) }
        html += "</tbody></table><h3>误报最多的十台设备</h3><table><thead><tr><th>设备</th><th>位置</th><th class=\"n\">告警</th><th class=\"n\">人工定性</th><th class=\"n\">误报</th><th class=\"n\">误报率</th></tr></thead><tbody>"
        for row in c.noisiestDevices {
            html += rateRow("<code>\(escape(row.key))</code></td><td>\(escape(row.label))", row)
        }
        return html + "</tbody></table>"
    }

    static func workOrders(_ c: WorkOrderFigures) -> String {
        var html = "<div class=\"cards\">"
        html += card("派单", grouped(Int64(c.dispatched)), "撤销 \(c.cancelled)")
        html += card("办结", grouped(Int64(c.closed)), "结案率 \(share(c.closeRate))")
        html += card("限时办结率", share(c.onTimeRate), "\(c.closedOnTime) 件按期办结")
        html += card("超时未办结", "\(c.overdue)", "督办 \(c.supervisions) 次")
        html += card("办结用时中位数", duration(c.timeToClose.medianSeconds), "90分位 \(duration(c.timeToClose.p90Seconds))")
        html += "</div><h3>各社区限时办结率</h3>"
        html += ReportCharts.shares(c.byCommunity.map { ($0.label, $0.onTimeRate, "\($0.closedOnTime)/\($0.closed) 件，派单 \($0.dispatched)") },
                                    title: "各社区限时办结率", target: 0.9)
        return html
    }

    static func elderCare(_ c: ElderCareFigures) -> String {
        var html = "<div class=\"cards\">"
        html += card("监护老人", "\(grouped(Int64(c.residentsMonitored))) 人", "\(c.residentsWithAlerts) 人有告警")
        html += card("人均告警", c.alertsPerResident.map { String(format: "%.2f", $0) } ?? "—", "共 \(c.alerts) 件")
        html += card("已通知家属", "\(c.relativesNotified) 人", "消息 \(c.relativeMessages) 条")
        html += card("家属消息送达率", share(c.deliverySuccess), "送达 \(c.delivered)，未送达 \(c.notDelivered)")
        html += card("告警至家属首条消息", duration(c.timeToFirstMessage.medianSeconds), "90分位 \(duration(c.timeToFirstMessage.p90Seconds))")
        return html + "</div>"
    }

    static let definitions = """
        <dl class="defs">
        <dt>统计口径</dt><dd>告警、工单按开立时间计入统计期；其确认、办结、升级以统计期末的状态为准，期末之后发生的计入下期。时间为本地时间（settings.utc_offset）。环比为与前一等长期间相比。</dd>
        <dt>设备在线率</dt><dd>设备在线时长 ÷ 设备时长。设备时长自统计期开始（或首次上线）至期末；离线时长为设备上报离线（status online=false）至下一条状态消息，以及“设备离线”类规则告警未恢复的时间，两者合并不重复计。</dd>
        <dt>雪亮视频</dt><dd>门禁摄像机与视频分析设备。</dd>
        <dt>低电量设备·天</dt><dd>当天有电量低告警未恢复的设备天数。</dd>
        <dt>MTTA / MTTR</dt><dd>开立至确认 / 开立至办结的用时，中位数与 90 分位（最近秩法）。</dd>
        <dt>小事不出网格</dt><dd>已办结告警中，未升级至社区即办结的占比。</dd>
        <dt>误报率</dt><dd>人工定性（真实警情/误报/设备故障/测试）的告警中误报的占比。</dd>
        <dt>结案率 / 限时办结率</dt><dd>办结 ÷（派单 − 撤销）/ 在处置时限内办结 ÷ 办结。</dd>
        <dt>家属消息送达率</dt><dd>送达 ÷（送达 + 失败、过期、限流）；排队中和合并入夜间汇总的不计。</dd>
        </dl>
        """

    static let style = """
        body{font-family:"Noto Sans CJK SC","Noto Sans SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;\
        color:#1f2933;margin:24px auto;max-width:1040px;padding:0 16px;font-size:14px;line-height:1.5}
        h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;border-bottom:2px solid #c0392b;padding-bottom:4px;margin-top:28px}
        h3{font-size:15px;margin:18px 0 6px}.meta{color:#52606d;margin:0}
        table{border-collapse:collapse;width:100%;margin:4px 0 10px}th,td{border-bottom:1px solid #e4e7eb;padding:4px 8px;text-align:left}
        th{background:#f5f7fa;font-weight:600}th.n{text-align:right}td.n{text-align:right;font-variant-numeric:tabular-nums}.muted{color:#7b8794}
        .up{color:#2e7d32}.down{color:#c0392b}.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(180px,1fr));gap:10px;margin:8px 0}
        .card{border:1px solid #e4e7eb;border-radius:6px;padding:8px 12px}.card .k{color:#52606d;font-size:12px}
        .card .v{font-size:22px;font-weight:600}.card .s{color:#7b8794;font-size:12px}
        .cols{display:grid;grid-template-columns:1fr 1fr;gap:16px}svg{width:100%;height:auto;display:block}
        .note{color:#52606d;font-size:12px}.defs dt{font-weight:600;margin-top:6px}.defs dd{margin:0 0 0 1em;color:#3e4c59}
        code{font-size:12px}table.headlines{max-width:820px}section{break-inside:avoid-page}
        @page{size:A4;margin:14mm}@media print{body{margin:0;max-width:none;font-size:11pt}h2{break-after:avoid}svg,table,.cards{break-inside:avoid}}
        """

    // MARK: - Pieces

    static func section(_ title: String, _ body: String) -> String { "<section><h2>\(title)</h2>\(body)</section>\n" }

    static func card(_ key: String, _ value: String, _ sub: String) -> String {
        "<div class=\"card\"><div class=\"k\">\(escape(key))</div><div class=\"v\">\(escape(value))</div><div class=\"s\">\(escape(sub))</div></div>"
    }

    static func countTable(_ title: String, _ column: String, _ rows: [KeyCount]) -> String {
        var html = "<h3>\(title)</h3><table><thead><tr><th>\(column)</th><th class=\"n\">告警</th></tr></thead><tbody>"
        for row in rows { html += "<tr><td>\(escape(row.label))</td><td class=\"n\">\(grouped(Int64(row.count)))</td></tr>" }
        if rows.isEmpty { html += "<tr><td colspan=\"2\" class=\"muted\">无</td></tr>" }
        return html + "</tbody></table>"
    }

    static func rateRow(_ lead: String, _ row: FalseAlarmRate) -> String {
        "<tr><td>\(lead)</td><td class=\"n\">\(grouped(Int64(row.alerts)))</td><td class=\"n\">\(grouped(Int64(row.categorised)))</td>"
            + "<td class=\"n\">\(grouped(Int64(row.falseAlarms)))</td>"
            + "<td class=\"n\">\(share(row.falseAlarmRate))</td></tr>"
    }

    static func value(_ value: Double?, _ unit: Headline.Unit) -> String {
        guard let value else { return "—" }
        switch unit {
        case .count: return grouped(Int64(value))
        case .share: return ReportCharts.percent(value)
        case .seconds: return duration(Int64(value))
        case .ratio: return String(format: "%.2f", value)
        }
    }

    /// `+1.2 个百分点`, `+3（+10.0%）`, `−1分30秒`; coloured by whether the change is for the better.
    static func change(_ headline: Headline) -> String {
        guard let delta = headline.change else { return "—" }
        if delta == 0 { return "持平" }
        let sign = delta > 0 ? "+" : "−"
        let text: String
        switch headline.unit {
        case .share: text = "\(sign)\(String(format: "%.1f", abs(delta) * 100)) 个百分点"
        case .seconds: text = sign + duration(Int64(abs(delta)))
        case .ratio: text = sign + String(format: "%.2f", abs(delta))
        case .count:
            let relative = (headline.previous ?? 0) > 0 ? "（\(sign)\(String(format: "%.1f", abs(delta) / headline.previous! * 100))%）" : ""
            text = "\(sign)\(grouped(Int64(abs(delta))))\(relative)"
        }
        let better = Self.higherIsBetter.contains(headline.key) ? delta > 0 : delta < 0
        let neutral = ["alerts.total", "work_orders.dispatched", "elder_care.residents_monitored", "elder_care.relatives_notified",
                       "devices.in_maintenance"]
        return neutral.contains(headline.key) ? text : "<span class=\"\(better ? "up" : "down")\">\(text)</span>"
    }

    static let higherIsBetter: Set<String> = [
        "devices.online_rate", "devices.sharp_eyes_online_rate", "alerts.resolved_at_grid", "work_orders.closed",
        "work_orders.close_rate", "work_orders.on_time_rate", "elder_care.delivery_success",
    ]

    static func share(_ value: Double?) -> String { value.map(ReportCharts.percent) ?? "—" }

    static func hours(_ value: Double) -> String {
        let tenths = Int64((value * 10).rounded())
        return "\(grouped(tenths / 10)).\(tenths % 10)"
    }

    /// `15,000`: digits in groups of three.
    static func grouped(_ value: Int64) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return value < 0 ? "-" + out : out
    }

    /// `45秒`, `4分12秒`, `2小时5分`, `3天4小时`; `—` when there is none.
    static func duration(_ seconds: Int64?) -> String {
        guard let seconds else { return "—" }
        switch seconds {
        case ..<60: return "\(seconds)秒"
        case ..<3600: return seconds % 60 == 0 ? "\(seconds / 60)分" : "\(seconds / 60)分\(seconds % 60)秒"
        case ..<86_400: return seconds % 3600 / 60 == 0 ? "\(seconds / 3600)小时" : "\(seconds / 3600)小时\(seconds % 3600 / 60)分"
        default: return seconds % 86_400 / 3600 == 0 ? "\(seconds / 86_400)天" : "\(seconds / 86_400)天\(seconds % 86_400 / 3600)小时"
        }
    }

    static func lastDay(_ period: ReportPeriod) -> String { period.dayText(period.days - 1) }

    static func offset(_ period: ReportPeriod) -> String {
        let minutes = abs(period.utcOffsetSeconds) / 60
        return String(format: "UTC%@%02d:%02d", period.utcOffsetSeconds < 0 ? "−" : "+", minutes / 60, minutes % 60)
    }

    static func scopeText(_ scope: ReportScope.Summary) -> String {
        switch scope.kind {
        case .all: "全部社区（\(scope.communities.count) 个）"
        case .community: "社区 \(scope.name)"
        case .street: "街道 \(scope.name)（\(scope.communities.count) 个社区）"
        }
    }

    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
