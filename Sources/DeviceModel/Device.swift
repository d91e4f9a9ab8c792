/// A registered device and everything the gateway knows about where it is and who installed it.
public struct Device: Sendable, Hashable, Codable {
    public var id: String
    public var type: DeviceType
    public var community: String
    public var grid: String
    public var location: DeviceLocation
    public var vendor: String
    public var model: String
    public var serial: String
    public var installer: String
    public var state: CommissioningState
    /// The resident an elderly monitor watches; `nil` for every other family.
    public var resident: String?
    /// How often the device reports at the least (telemetry or heartbeat); absence beyond it means offline.
    public var reportIntervalSeconds: Int
    /// The device's identity on a vendor MQTT protocol (Alink, OneNET, IoTDA), when it speaks one.
    public var binding: VendorBinding? {
        get { vendorLink?.binding }
        set { vendorLink = VendorLink(binding: newValue, pushSecretSHA256: pushSecretSHA256) }
    }
    /// SHA-256 (hex) of the secret the device presents when it pushes events over HTTP (Hikvision ISAPI,
    /// Dahua); `nil` means the device may not push.
    public var pushSecretSHA256: String? {
        get { vendorLink?.pushSecretSHA256 }
        set { vendorLink = VendorLink(binding: binding, pushSecretSHA256: newValue) }
    }
    /// Most devices have neither: one pointer instead of ~56 bytes inline, times 100,000 records.
    private var vendorLink: VendorLink?

    public init(
        id: String, type: DeviceType, community: String, grid: String, location: DeviceLocation,
        vendor: String, model: String, serial: String, installer: String, state: CommissioningState,
        resident: String?, reportIntervalSeconds: Int, binding: VendorBinding? = nil, pushSecretSHA256: String? = nil
    ) {
        self.id = id
        self.type = type
        self.community = community
        self.grid = grid
        self.location = location
        self.vendor = vendor
        self.model = model
        self.serial = serial
        self.installer = installer
        self.state = state
        self.resident = resident
        self.reportIntervalSeconds = reportIntervalSeconds
        self.vendorLink = VendorLink(binding: binding, pushSecretSHA256: pushSecretSHA256)
    }

    enum CodingKeys: String, CodingKey {
        case id, type, community, grid, location, vendor, model, serial, installer, state, resident, reportIntervalSeconds
        case binding, pushSecretSHA256
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try container.decode(String.self, forKey: .id), type: try container.decode(DeviceType.self, forKey: .type),
            community: try container.decode(String.self, forKey: .community), grid: try container.decode(String.self, forKey: .grid),
            location: try container.decode(DeviceLocation.self, forKey: .location),
            vendor: try container.decode(String.self, forKey: .vendor), model: try container.decode(String.self, forKey: .model),
            serial: try container.decode(String.self, forKey: .serial), installer: try container.decode(String.self, forKey: .installer),
            state: try container.decode(CommissioningState.self, forKey: .state),
            resident: try container.decodeIfPresent(String.self, forKey: .resident),
            reportIntervalSeconds: try container.decode(Int.self, forKey: .reportIntervalSeconds),
            binding: try container.decodeIfPresent(VendorBinding.self, forKey: .binding),
            pushSecretSHA256: try container.decodeIfPresent(String.self, forKey: .pushSecretSHA256)
        )
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(type, forKey: .type)
        try container.encode(community, forKey: .community)
        try container.encode(grid, forKey: .grid)
        try container.encode(location, forKey: .location)
        try container.encode(vendor, forKey: .vendor)
        try container.encode(model, forKey: .model)
        try container.encode(serial, forKey: .serial)
        try container.encode(installer, forKey: .installer)
        try container.encode(state, forKey: .state)
        try container.encodeIfPresent(resident, forKey: .resident)
        try container.encode(reportIntervalSeconds, forKey: .reportIntervalSeconds)
        try container.encodeIfPresent(binding, forKey: .binding)
        try container.encodeIfPresent(pushSecretSHA256, forKey: .pushSecretSHA256)
    }
}

/// The vendor side of a device, out of line (see ``Device/binding``). Immutable: a change makes a new one.
final class VendorLink: Sendable, Hashable {
    let binding: VendorBinding?
    let pushSecretSHA256: String?

    /// `nil` when there is nothing to hold.
    convenience init?(binding: VendorBinding?, pushSecretSHA256: String?) {
        guard binding != nil || pushSecretSHA256 != nil else { return nil }
        self.init(binding, pushSecretSHA256)
    }

    private init(_ binding: VendorBinding?, _ pushSecretSHA256: String?) {
        self.binding = binding
        self.pushSecretSHA256 = pushSecretSHA256
    }

    static func == (lhs: VendorLink, rhs: VendorLink) -> Bool {
        lhs.binding == rhs.binding && lhs.pushSecretSHA256 == rhs.pushSecretSHA256
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(binding)
        hasher.combine(pushSecretSHA256)
    }
}

/// Where a device is mounted. Building/unit/room for homes; `zone` for public places (lobby, fire lane).
public struct DeviceLocation: Sendable, Hashable, Codable {
    public var building: String?
    public var unit: String?
    public var floor: String?
    public var room: String?
    public var zone: String?

    public init(building: String? = nil, unit: String? = nil, floor: String? = nil, room: String? = nil, zone: String? = nil) {
        self.building = building
        self.unit = unit
        self.floor = floor
        self.room = room
        self.zone = zone
    }
}

/// Where a device stands in its life: registered by an installer, commissioned once it has sent a valid
/// message, decommissioned when removed. Messages from a decommissioned device are rejected.
public enum CommissioningState: String, Sendable, Hashable, Codable, CaseIterable {
    case registered
    case commissioned
    case decommissioned
}
