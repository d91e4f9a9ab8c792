import DeviceModel

/// An alert people can act on: one per rule and scope while it is open.
public struct Alert: Sendable, Hashable, Codable {
    public var id: String
    public var key: AlertKey
    public var rule: String
    public var community: String
    /// The device that triggered it (for scoped rules: the latest device that contributed).
    public var device: String
    public var grid: String
    public var location: DeviceLocation
    /// The resident an elderly monitor watches, if any (id only).
    public var resident: String?
    public var severity: Severity
    public var state: AlertState
    /// Chinese title for the console (e.g. 跌倒报警).
    public var title: String
    /// The `ts` of the message that opened the alert, verbatim.
    public var sourceTS: Int64
    /// The `ts` of the latest message that triggered it again.
    public var lastSourceTS: Int64
    /// What triggered it: `{"metric": "heart_rate", "value": 131}` or `{"event": "fall_detected"}` …
    public var reading: [String: JSONValue]
    public var openedAt: Int64
    public var updatedAt: Int64
    public var lastSeenAt: Int64
    /// How many times the rule fired while this alert was open (1 on opening).
    public var count: Int
    public var escalationLevel: EscalationLevel
    public var acknowledgedBy: String?
    public var acknowledgedAt: Int64?
    public var resolvedBy: String?
    public var resolvedAt: Int64?
    public var note: String?
    /// Set when the condition keeps clearing and returning: resolution is held until it stays clear.
    public var flapping: Bool
    public var pendingResolveAt: Int64?
    /// Acknowledged but unresolved: when the reminder clock (`reminder_after`) started, and whether the
    /// reminder for that period was sent (the next period escalates).
    public var reminderFrom: Int64?
    public var reminded: Bool?
    /// How a person closed it (真实警情 / 误报 / 设备故障 / 测试); `nil` when the condition cleared by itself.
    public var resolution: ResolutionCategory?
    /// Who on the duty ladder was told, when, on which channel (roster ids only).
    public var notified: [DutyNotice]?

    public var isOpen: Bool { state != .resolved }

    /// The notices an alert carries: the latest `limit` (reminders repeat at the street; the whole history is in
    /// the audit trail), so its JSON stays small.
    public static func latestNotices(_ notices: [DutyNotice], limit: Int = 30) -> [DutyNotice] {
        notices.count > limit ? Array(notices.suffix(limit)) : notices
    }
}

/// What an alert turned out to be, recorded when a person resolves it; the monthly report counts them.
public enum ResolutionCategory: String, Sendable, Hashable, Codable, CaseIterable {
    /// 真实警情
    case genuine
    /// 误报
    case falseAlarm = "false_alarm"
    /// 设备故障
    case deviceFault = "device_fault"
    /// 测试
    case test

    public var label: String {
        switch self {
        case .genuine: "真实警情"
        case .falseAlarm: "误报"
        case .deviceFault: "设备故障"
        case .test: "测试"
        }
    }

    /// The English code or the Chinese label.
    public init?(text: String) {
        guard let match = Self.allCases.first(where: { $0.rawValue == text || $0.label == text }) else { return nil }
        self = match
    }

    public static var choices: String { allCases.map { "\($0.rawValue) (\($0.label))" }.joined(separator: ", ") }
}

/// Where an alert stands.
public enum AlertState: String, Sendable, Hashable, Codable, CaseIterable {
    case open
    case acknowledged
    case resolved
}

/// Who is answerable, in the escalation ladder 网格 → 社区 → 街道.
public enum EscalationLevel: Int, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case grid = 0
    case community = 1
    case street = 2

    public var name: String {
        switch self {
        case .grid: "grid"
        case .community: "community"
        case .street: "street"
        }
    }

    /// 网格, 社区, 街道.
    public var label: String {
        switch self {
        case .grid: "网格"
        case .community: "社区"
        case .street: "街道"
        }
    }

    public init?(name: String) {
        guard let level = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = level
    }

    public static func < (lhs: EscalationLevel, rhs: EscalationLevel) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The identity of "the same alert": a rule and the scope it fired in (a device, a building, a grid).
public struct AlertKey: Sendable, Hashable, Codable, CustomStringConvertible {
    public let rule: String
    public let scope: String
    /// Both strings hashed once, when the key is made: the engine looks a key up in several tables for
    /// every rule a message meets, and hashing two strings each time was a tenth of its work. (In memory only:
    /// Swift's hashes are seeded per process.)
    private let hashed: Int

    public init(rule: String, scope: String) {
        self.rule = rule
        self.scope = scope
        var hasher = Hasher()
        hasher.combine(rule)
        hasher.combine(scope)
        hashed = hasher.finalize()
    }

    public var description: String { "\(rule)@\(scope)" }

    public static func == (lhs: AlertKey, rhs: AlertKey) -> Bool {
        lhs.hashed == rhs.hashed && lhs.rule == rhs.rule && lhs.scope == rhs.scope
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(hashed)
    }

    private enum CodingKeys: String, CodingKey { case rule, scope }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(rule: try container.decode(String.self, forKey: .rule), scope: try container.decode(String.self, forKey: .scope))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(rule, forKey: .rule)
        try container.encode(scope, forKey: .scope)
    }
}
