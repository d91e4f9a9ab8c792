// Unvalidated records as they come from a configuration file or an HTTP body: every value is text as
// written, so that ``RegistryValidator`` can say exactly what is wrong with it. Each draft carries the
// origin of its fields for `file:line:column` diagnostics.

public struct RegistryDraft: Sendable {
    public var gatewayID: String?
    /// Origins of the `gateway:` section's keys.
    public var gatewayOrigins = FieldOrigins()
    public var communities: [CommunityDraft] = []
    public var installers: [InstallerDraft] = []
    public var residents: [ResidentDraft] = []
    public var devices: [DeviceDraft] = []
    public var origins = FieldOrigins()
    public init() {}
}

public struct CommunityDraft: Sendable {
    public var id, name, address, street: String?
    public var grids: [GridDraft] = []
    public var origins = FieldOrigins()
    public init() {}
}

public struct GridDraft: Sendable {
    public var code, name: String?
    public var origins = FieldOrigins()
    public init() {}
}

public struct InstallerDraft: Sendable {
    public var id, name, phone: String?
    public var origins = FieldOrigins()
    public init() {}
}

public struct ResidentDraft: Sendable {
    public var id, name, community, building, unit, room, livesAlone: String?
    public var relatives: [RelativeDraft] = []
    public var origins = FieldOrigins()
    public init() {}
}

public struct RelativeDraft: Sendable {
    public var name, relation, phone, wechatOpenID, notify: String?
    public var channels: [String]?
    public var origins = FieldOrigins()
    public init() {}
}

public struct DeviceDraft: Sendable, Codable {
    public var id, type, community, grid, vendor, model, serial, installer, state, resident: String?
    public var building, unit, floor, room, zone: String?
    /// `90s`, `5m`, `1h` or plain seconds.
    public var reportInterval: String?
    public var origins = FieldOrigins()
    public init() {}

    enum CodingKeys: String, CodingKey {
        case id, type, community, grid, vendor, model, serial, installer, state, resident
        case building, unit, floor, room, zone
        case reportInterval = "report_interval"
    }
}
