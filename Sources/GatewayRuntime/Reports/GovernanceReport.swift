/// The month's governance report (治理月报) of a scope: the figures of the period, the same figures of the period
/// before it (whole months: the months before; otherwise equal length), and the headline figures side by side with their change. Pure data: the storage
/// layer fills the figures, the renderers (``ReportJSON``, ``ReportCSV``, ``ReportHTML``) only print them.
public struct GovernanceReport: Sendable, Hashable, Codable {
    public var scope: ReportScope.Summary
    public var period: ReportPeriod
    public var previousPeriod: ReportPeriod
    public var headlines: [Headline]
    public var current: ReportFigures
    public var previous: ReportFigures

    public init(scope: ReportScope.Summary, period: ReportPeriod, current: ReportFigures, previous: ReportFigures) {
        self.scope = scope
        self.period = period
        self.previousPeriod = period.previous
        self.current = current
        self.previous = previous
        self.headlines = Headline.all(current: current, previous: previous)
    }
}

/// One headline figure with its value in the previous period and the change (month-on-month, 环比).
public struct Headline: Sendable, Hashable, Codable {
    public enum Unit: String, Sendable, Codable {
        case count, share, seconds, ratio
    }

    public var key: String
    public var section: String
    public var label: String
    public var unit: Unit
    public var value: Double?
    public var previous: Double?
    /// `value − previous` (for shares: percentage points as a fraction, 0.05 = +5 pp).
    public var change: Double? {
        guard let value, let previous else { return nil }
        return value - previous
    }

    enum CodingKeys: String, CodingKey { case key, section, label, unit, value, previous, change }

    public init(key: String, section: String, label: String, unit: Unit, value: Double?, previous: Double?) {
        self.key = key
        self.section = section
        self.label = label
        self.unit = unit
        self.value = value
        self.previous = previous
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(key: try c.decode(String.self, forKey: .key), section: try c.decode(String.self, forKey: .section),
                  label: try c.decode(String.self, forKey: .label), unit: try c.decode(Unit.self, forKey: .unit),
                  value: try c.decodeIfPresent(Double.self, forKey: .value), previous: try c.decodeIfPresent(Double.self, forKey: .previous))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(key, forKey: .key)
        try c.encode(section, forKey: .section)
        try c.encode(label, forKey: .label)
        try c.encode(unit, forKey: .unit)
        try c.encode(value, forKey: .value)
        try c.encode(previous, forKey: .previous)
        try c.encode(change, forKey: .change)
    }

    /// The headline figures, in the order the report shows them.
    static func all(current c: ReportFigures, previous p: ReportFigures) -> [Headline] {
        func count(_ v: Int) -> Double { Double(v) }
        func seconds(_ v: Int64?) -> Double? { v.map(Double.init) }
        let rows: [(String, String, String, Unit, (ReportFigures) -> Double?)] = [
            ("devices.online_rate", "devices", "设备在线率", .share, { $0.devices.online.onlineRate }),
            ("devices.sharp_eyes_online_rate", "devices", "雪亮视频在线率", .share, { $0.devices.sharpEyesVideo.onlineRate }),
            ("devices.never_seen", "devices", "从未上线设备", .count, { count($0.devices.neverSeen) }),
            ("devices.battery_low_days", "devices", "低电量设备·天", .count, { count($0.devices.batteryLowDays) }),
            ("devices.in_maintenance", "devices", "维护中设备", .count, { count($0.devices.inMaintenance) }),
            ("alerts.total", "alerts", "告警总数", .count, { count($0.alerts.total) }),
            ("alerts.mtta_median", "alerts", "平均响应时间 MTTA（中位数）", .seconds, { seconds($0.alerts.mtta.medianSeconds) }),
            ("alerts.mtta_p90", "alerts", "MTTA（90分位）", .seconds, { seconds($0.alerts.mtta.p90Seconds) }),
            ("alerts.mttr_median", "alerts", "平均处置时间 MTTR（中位数）", .seconds, { seconds($0.alerts.mttr.medianSeconds) }),
            ("alerts.mttr_p90", "alerts", "MTTR（90分位）", .seconds, { seconds($0.alerts.mttr.p90Seconds) }),
            ("alerts.escalated_to_community", "alerts", "升级至社区占比", .share, { $0.alerts.escalatedToCommunityShare }),
            ("alerts.escalated_to_street", "alerts", "升级至街道占比", .share, { $0.alerts.escalatedToStreetShare }),
            ("alerts.resolved_at_grid", "alerts", "小事不出网格（网格内办结占比）", .share, { $0.alerts.resolvedAtGridShare }),
            ("alerts.false_alarm_rate", "alerts", "误报率", .share, { $0.alerts.falseAlarmRate }),
            ("work_orders.dispatched", "work_orders", "派单数", .count, { count($0.workOrders.dispatched) }),
            ("work_orders.closed", "work_orders", "办结数", .count, { count($0.workOrders.closed) }),
            ("work_orders.close_rate", "work_orders", "结案率", .share, { $0.workOrders.closeRate }),
            ("work_orders.on_time_rate", "work_orders", "限时办结率", .share, { $0.workOrders.onTimeRate }),
            ("work_orders.overdue", "work_orders", "超时未办结", .count, { count($0.workOrders.overdue) }),
            ("work_orders.supervisions", "work_orders", "督办次数", .count, { count($0.workOrders.supervisions) }),
            ("work_orders.time_to_close_median", "work_orders", "办结用时（中位数）", .seconds, { seconds($0.workOrders.timeToClose.medianSeconds) }),
            ("elder_care.residents_monitored", "elder_care", "监护老人数", .count, { count($0.elderCare.residentsMonitored) }),
            ("elder_care.alerts_per_resident", "elder_care", "人均告警数", .ratio, { $0.elderCare.alertsPerResident }),
            ("elder_care.relatives_notified", "elder_care", "已通知家属人数", .count, { count($0.elderCare.relativesNotified) }),
            ("elder_care.delivery_success", "elder_care", "家属消息送达率", .share, { $0.elderCare.deliverySuccess }),
            ("elder_care.first_message_median", "elder_care", "告警至家属首条消息（中位数）", .seconds,
             { seconds($0.elderCare.timeToFirstMessage.medianSeconds) }),
        ]
        return rows.map { Headline(key: $0.0, section: $0.1, label: $0.2, unit: $0.3, value: $0.4(c), previous: $0.4(p)) }
    }
}
