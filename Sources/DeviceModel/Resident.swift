/// A resident watched by elderly-care monitors (独居/失能老人). Personal data: never logged.
public struct Resident: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    public var community: String
    public var building: String
    public var unit: String?
    public var room: String
    public var livesAlone: Bool
    public var relatives: [Relative]

    public init(
        id: String, name: String, community: String, building: String, unit: String?, room: String,
        livesAlone: Bool, relatives: [Relative]
    ) {
        self.id = id
        self.name = name
        self.community = community
        self.building = building
        self.unit = unit
        self.room = room
        self.livesAlone = livesAlone
        self.relatives = relatives
    }
}

/// A relative (or guardian) of a resident who is told of alerts. Personal data: never logged.
public struct Relative: Sendable, Hashable, Codable {
    public var name: String
    /// How they are related (儿子, 女儿, 配偶 …), for the operator's screen.
    public var relation: String
    /// Mainland mobile number, digits only, without a country prefix.
    public var phone: String?
    /// WeChat OpenID of the relative for the service account, if they subscribed.
    public var wechatOpenID: String?
    public var channels: [ContactChannel]
    public var notify: NotifyPreference

    public init(
        name: String, relation: String, phone: String?, wechatOpenID: String?, channels: [ContactChannel],
        notify: NotifyPreference
    ) {
        self.name = name
        self.relation = relation
        self.phone = phone
        self.wechatOpenID = wechatOpenID
        self.channels = channels
        self.notify = notify
    }
}

/// How a relative is reached.
public enum ContactChannel: String, Sendable, Hashable, Codable, CaseIterable {
    case sms
    case wechat
}

/// Which alerts a relative is told of.
public enum NotifyPreference: String, Sendable, Hashable, Codable, CaseIterable {
    /// Critical alerts only (fall, SOS, vital signs in danger).
    case critical
    /// Every alert on the resident's devices.
    case all
}
