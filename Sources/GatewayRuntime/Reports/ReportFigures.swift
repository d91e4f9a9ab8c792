/// The figures of one period, as the storage layer computed them in SQL (counts, sums, percentiles), plus the
/// ratios derived from them here. Durations are in seconds; rates are shares in 0…1, `nil` when their
/// denominator is zero (nothing to rate).
public struct ReportFigures: Sendable, Hashable, Codable {
    public var devices: DeviceFigures
    public var alerts: AlertFigures
    public var workOrders: WorkOrderFigures
    public var elderCare: ElderCareFigures
}

/// `part / whole`, nil when `whole` is zero.
func share(_ part: Int, _ whole: Int) -> Double? { whole > 0 ? Double(part) / Double(whole) : nil }

/// Median and 90th percentile (nearest rank: the smallest value at or above that share of the sorted values).
public struct DurationStats: Sendable, Hashable, Codable {
    public var count: Int
    public var medianSeconds: Int64?
    public var p90Seconds: Int64?

    public static let none = DurationStats(count: 0, medianSeconds: nil, p90Seconds: nil)
}

/// How many durations fell in each bucket (`<5m`, `5–15m`, … `>24h`).
public struct DurationBucket: Sendable, Hashable, Codable {
    public var bucket: String
    public var count: Int

    /// Bucket labels and their upper bounds in seconds, in order; the last has none.
    public static let bounds: [(label: String, below: Int64?)] = [
        ("<5m", 300), ("5–15m", 900), ("15–30m", 1800), ("30–60m", 3600), ("1–4h", 14_400), ("4–24h", 86_400), (">24h", nil),
    ]
}

/// Online share of device-time in a group (a family, a community, a set of types).
public struct OnlineShare: Sendable, Hashable, Codable {
    public var key: String
    public var label: String
    /// Devices of the group heard from before the period's end.
    public var devices: Int
    /// Device-hours of those devices in the period (from the later of the period start and first sight).
    public var deviceHours: Double
    public var offlineHours: Double
    public var onlineRate: Double? { deviceHours > 0 ? 1 - offlineHours / deviceHours : nil }

    enum CodingKeys: String, CodingKey { case key, label, devices, deviceHours, offlineHours, onlineRate }

    public init(key: String, label: String, devices: Int, deviceHours: Double, offlineHours: Double) {
        self.key = key
        self.label = label
        self.devices = devices
        self.deviceHours = deviceHours
        self.offlineHours = offlineHours
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(key: try c.decode(String.self, forKey: .key), label: try c.decode(String.self, forKey: .label),
                  devices: try c.decode(Int.self, forKey: .devices), deviceHours: try c.decode(Double.self, forKey: .deviceHours),
                  offlineHours: try c.decode(Double.self, forKey: .offlineHours))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(key, forKey: .key)
        try c.encode(label, forKey: .label)
        try c.encode(devices, forKey: .devices)
        try c.encode(deviceHours, forKey: .deviceHours)
        try c.encode(offlineHours, forKey: .offlineHours)
        try c.encode(onlineRate, forKey: .onlineRate)
    }
}

public struct DeviceFigures: Sendable, Hashable, Codable {
    /// Devices of the scope in the registry (not decommissioned).
    public var registered: Int
    /// Of them, never heard from before the period's end.
    public var neverSeen: Int
    /// Their ids (the first 50, sorted).
    public var neverSeenDevices: [String]
    public var online: OnlineShare
    public var onlineByFamily: [OnlineShare]
    public var onlineByCommunity: [OnlineShare]
    /// 雪亮工程 video: cameras (`access_camera`) and video analytics (`video_analytics`).
    public var sharpEyesVideo: OnlineShare
    /// Device-days (local days) with a battery-low alert open at some time of the day.
    public var batteryLowDays: Int
    public var batteryLowDevices: Int
    /// Devices with a maintenance window started in the period or in force during it.
    public var inMaintenance: Int
}

/// A count under a key (a rule, a severity, a community, a building, a category).
public struct KeyCount: Sendable, Hashable, Codable {
    public var key: String
    public var label: String
    public var count: Int
}

public struct FalseAlarmRate: Sendable, Hashable, Codable {
    public var key: String
    public var label: String
    public var alerts: Int
    /// Resolved by a person with a category (the denominator of the rate).
    public var categorised: Int
    public var falseAlarms: Int
    public var falseAlarmRate: Double? { share(falseAlarms, categorised) }

    enum CodingKeys: String, CodingKey { case key, label, alerts, categorised, falseAlarms, falseAlarmRate }

    public init(key: String, label: String, alerts: Int, categorised: Int, falseAlarms: Int) {
        self.key = key
        self.label = label
        self.alerts = alerts
        self.categorised = categorised
        self.falseAlarms = falseAlarms
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(key: try c.decode(String.self, forKey: .key), label: try c.decode(String.self, forKey: .label),
                  alerts: try c.decode(Int.self, forKey: .alerts), categorised: try c.decode(Int.self, forKey: .categorised),
                  falseAlarms: try c.decode(Int.self, forKey: .falseAlarms))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(key, forKey: .key)
        try c.encode(label, forKey: .label)
        try c.encode(alerts, forKey: .alerts)
        try c.encode(categorised, forKey: .categorised)
        try c.encode(falseAlarms, forKey: .falseAlarms)
        try c.encode(falseAlarmRate, forKey: .falseAlarmRate)
    }
}

public struct AlertFigures: Sendable, Hashable, Codable {
    /// Alerts opened in the period.
    public var total: Int
    public var byRule: [KeyCount]
    public var bySeverity: [KeyCount]
    public var byCommunity: [KeyCount]
    public var byBuilding: [KeyCount]
    /// Alerts opened on each local day of the period (every day, zeros included).
    public var perDay: [KeyCount]
    /// Open → acknowledged, of those acknowledged before the period's end.
    public var mtta: DurationStats
    /// Open → resolved, of those resolved before the period's end.
    public var mttr: DurationStats
    public var ackDistribution: [DurationBucket]
    public var resolveDistribution: [DurationBucket]
    /// Reached 社区 (or above) before the period's end.
    public var escalatedToCommunity: Int
    /// Reached 街道 before the period's end.
    public var escalatedToStreet: Int
    public var resolved: Int
    /// Resolved without leaving the grid rung (小事不出网格).
    public var resolvedAtGrid: Int
    /// 真实警情 / 误报 / 设备故障 / 测试, and `auto` (the condition cleared by itself).
    public var categories: [KeyCount]
    public var falseAlarmsByRule: [FalseAlarmRate]
    /// The ten devices with the most false alarms (then most alerts).
    public var noisiestDevices: [FalseAlarmRate]

    public var escalatedToCommunityShare: Double? { share(escalatedToCommunity, total) }
    public var escalatedToStreetShare: Double? { share(escalatedToStreet, total) }
    public var resolvedAtGridShare: Double? { share(resolvedAtGrid, resolved) }
    public var falseAlarmRate: Double? {
        share(falseAlarmsByRule.reduce(0) { $0 + $1.falseAlarms }, falseAlarmsByRule.reduce(0) { $0 + $1.categorised })
    }
}

public struct WorkOrderCommunity: Sendable, Hashable, Codable {
    public var key: String
    public var label: String
    public var dispatched: Int
    public var closed: Int
    public var closedOnTime: Int
    public var onTimeRate: Double? { share(closedOnTime, closed) }

    enum CodingKeys: String, CodingKey { case key, label, dispatched, closed, closedOnTime, onTimeRate }

    public init(key: String, label: String, dispatched: Int, closed: Int, closedOnTime: Int) {
        self.key = key
        self.label = label
        self.dispatched = dispatched
        self.closed = closed
        self.closedOnTime = closedOnTime
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(key: try c.decode(String.self, forKey: .key), label: try c.decode(String.self, forKey: .label),
                  dispatched: try c.decode(Int.self, forKey: .dispatched), closed: try c.decode(Int.self, forKey: .closed),
                  closedOnTime: try c.decode(Int.self, forKey: .closedOnTime))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(key, forKey: .key)
        try c.encode(label, forKey: .label)
        try c.encode(dispatched, forKey: .dispatched)
        try c.encode(closed, forKey: .closed)
        try c.encode(closedOnTime, forKey: .closedOnTime)
        try c.encode(onTimeRate, forKey: .onTimeRate)
    }
}

public struct WorkOrderFigures: Sendable, Hashable, Codable {
    /// Work orders sent to the grid system (派单) in the period.
    public var dispatched: Int
    /// Of them, closed (办结) before the period's end.
    public var closed: Int
    /// Closed at or before their deadline (限时办结).
    public var closedOnTime: Int
    /// Cancelled (a false alarm resolved here): not counted as dispatched work in the close rate.
    public var cancelled: Int
    /// Neither closed nor cancelled, and past their deadline at the period's end.
    public var overdue: Int
    /// 督办 notices sent in the period.
    public var supervisions: Int
    /// Dispatch → closed.
    public var timeToClose: DurationStats
    public var byCommunity: [WorkOrderCommunity]

    /// 结案率: closed ÷ (dispatched − cancelled).
    public var closeRate: Double? { share(closed, dispatched - cancelled) }
    /// 限时办结率 (按期结案率): closed within deadline ÷ closed.
    public var onTimeRate: Double? { share(closedOnTime, closed) }
}

public struct ElderCareFigures: Sendable, Hashable, Codable {
    /// Residents watched by an elderly-care device of the scope (registry).
    public var residentsMonitored: Int
    /// Alerts opened in the period on a resident's device.
    public var alerts: Int
    public var residentsWithAlerts: Int
    /// Relatives' messages (alert, escalated, resolved, digest) of those alerts.
    public var relativeMessages: Int
    /// Distinct relatives sent at least one message that was delivered (counted, never listed).
    public var relativesNotified: Int
    public var delivered: Int
    /// Dead, expired or rate-limited: given up.
    public var notDelivered: Int
    /// Alert opened → first relative's message delivered.
    public var timeToFirstMessage: DurationStats

    public var alertsPerResident: Double? { residentsMonitored > 0 ? Double(alerts) / Double(residentsMonitored) : nil }
    /// delivered ÷ (delivered + given up); pending, held and digested messages are not yet decided.
    public var deliverySuccess: Double? { share(delivered, delivered + notDelivered) }
}
