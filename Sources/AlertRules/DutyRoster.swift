import DeviceModel

/// How a duty contact is reached.
public enum DutyChannel: String, Sendable, Hashable, Codable, CaseIterable {
    case sms
    case wechat
    /// 语音外呼: an automated voice call, what elder-care services use at night.
    case voice
    /// The grid worker's mobile app, reached through the work-order system (no message of ours).
    case app
}

/// One person on the escalation ladder: a grid worker (网格员), a community or street duty officer (值班).
/// `id` is what logs, the audit trail and the alert payload name; name and numbers stay in the roster.
public struct DutyContact: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    public var phone: String?
    public var wechatOpenID: String?
    public var channels: [DutyChannel]
    /// When on duty, in local time (day/night shifts, rest days from the holiday calendar); `nil` = always.
    public var shift: ActiveWindow?

    public init(id: String, name: String, phone: String? = nil, wechatOpenID: String? = nil, channels: [DutyChannel],
                shift: ActiveWindow? = nil) {
        self.id = id
        self.name = name
        self.phone = phone
        self.wechatOpenID = wechatOpenID
        self.channels = channels
        self.shift = shift
    }

    public func isOnDuty(at millis: Int64, calendar: RuleCalendar) -> Bool {
        shift.map { $0.contains(millis, calendar: calendar) } ?? true
    }

    /// The address of `channel` (phone for sms and voice, OpenID for wechat); `nil` for app or when unknown.
    public func address(_ channel: DutyChannel) -> String? {
        switch channel {
        case .sms, .voice: phone
        case .wechat: wechatOpenID
        case .app: nil
        }
    }

    /// 日班 08:00–20:00 and 夜班 20:00–08:00, every day.
    public static let dayShift = ActiveWindow(fromMinute: 8 * 60, toMinute: 20 * 60, days: .all)
    public static let nightShift = ActiveWindow(fromMinute: 20 * 60, toMinute: 8 * 60, days: .all)
}

/// A street (街道) and the communities whose alerts reach its duty desk at the top of the ladder.
public struct StreetDuty: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    public var communities: Set<String>
    public var contacts: [DutyContact]

    public init(id: String, name: String, communities: Set<String>, contacts: [DutyContact]) {
        self.id = id
        self.name = name
        self.communities = communities
        self.contacts = contacts
    }
}

/// Who answers at each rung of the ladder 网格 → 社区 → 街道: workers per grid, duty per community and per street.
public struct DutyRoster: Sendable, Hashable, Codable {
    public var grids: [String: [DutyContact]]
    public var communities: [String: [DutyContact]]
    public var streets: [StreetDuty]

    public init(grids: [String: [DutyContact]] = [:], communities: [String: [DutyContact]] = [:], streets: [StreetDuty] = []) {
        self.grids = grids
        self.communities = communities
        self.streets = streets
    }

    public var isEmpty: Bool { grids.isEmpty && communities.isEmpty && streets.isEmpty }

    public func street(of community: String) -> StreetDuty? { streets.first { $0.communities.contains(community) } }

    /// Everyone at `level` for an alert in `community` / `grid`.
    public func contacts(_ level: EscalationLevel, community: String, grid: String) -> [DutyContact] {
        switch level {
        case .grid: grids[grid] ?? []
        case .community: communities[community] ?? []
        case .street: street(of: community)?.contacts ?? []
        }
    }

    /// Who to tell at `level` at `millis`: those on shift; when nobody is (a gap in the rota), everyone at that
    /// level (`onShift == false`) — waking someone off duty beats telling no one.
    public func onDuty(_ level: EscalationLevel, community: String, grid: String, at millis: Int64,
                       calendar: RuleCalendar) -> (contacts: [DutyContact], onShift: Bool) {
        let everyone = contacts(level, community: community, grid: grid)
        let onShift = everyone.filter { $0.isOnDuty(at: millis, calendar: calendar) }
        return onShift.isEmpty ? (everyone, false) : (onShift, true)
    }
}

/// One person told of an alert: who (the roster id), at which rung, on which channel, when and why.
public struct DutyNotice: Sendable, Hashable, Codable {
    public var contact: String
    public var level: EscalationLevel
    public var channel: DutyChannel
    public var at: Int64
    /// `opened`, `escalated`, `reminded`, `supervised`.
    public var step: String

    public init(contact: String, level: EscalationLevel, channel: DutyChannel, at: Int64, step: String) {
        self.contact = contact
        self.level = level
        self.channel = channel
        self.at = at
        self.step = step
    }
}
