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
    public var binding: VendorBinding?
    /// SHA-256 (hex) of the secret the device presents when it pushes events over HTTP (Hikvision ISAPI,
    /// Dahua); `nil` means the device may not push.
    public var pushSecretSHA256: String?

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
        self.binding = binding
        self.pushSecretSHA256 = pushSecretSHA256
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
