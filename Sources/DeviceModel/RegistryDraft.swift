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
    /// `vendor_products`: thing-model mappings of vendor products.
    public var products: [ProductDraft] = []
    /// `isapi_event_types`: analytics event type names of a deployment's cameras and AI boxes, beside the
    /// built-in table (vendor names for 电动车入梯, 消防通道占用 … differ per product).
    public var isapiEventTypes: [AnalyticsTypeDraft] = []
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
    /// The device's identity on a vendor MQTT protocol.
    public var binding: BindingDraft?
    /// SHA-256 (hex) of the device's HTTP push secret (`gatewayd hash-token` prints one).
    public var pushSecretSHA256: String?
    /// Origins of the record's keys; those of `binding`'s keys as `binding.protocol` etc.
    public var origins = FieldOrigins()
    public init() {}

    enum CodingKeys: String, CodingKey {
        case id, type, community, grid, vendor, model, serial, installer, state, resident
        case building, unit, floor, room, zone
        case reportInterval = "report_interval"
        case binding
        case pushSecretSHA256 = "push_secret_sha256"
    }
}

public struct BindingDraft: Sendable, Codable {
    public var vendorProtocol, product, name: String?
    public init(vendorProtocol: String? = nil, product: String? = nil, name: String? = nil) {
        self.vendorProtocol = vendorProtocol
        self.product = product
        self.name = name
    }

    enum CodingKeys: String, CodingKey {
        case vendorProtocol = "protocol", product, name
    }
}

/// One `vendor_products` entry as written.
public struct ProductDraft: Sendable {
    public var vendorProtocol, product, deviceType: String?
    /// Property identifier → what it becomes, in file order.
    public var properties: [(identifier: String, mapping: PropertyDraft)] = []
    /// Thing-model event identifier → canonical event name, in file order.
    public var events: [(identifier: String, event: String, origins: FieldOrigins)] = []
    public var origins = FieldOrigins()
    public init() {}
}

/// A property mapping as written: `HeartRate: heart_rate`, `{metric: body_temp, scale: 0.1}` or
/// `{events: {"1": sos}}`.
public struct PropertyDraft: Sendable {
    public var metric, scale: String?
    public var events: [(value: String, event: String)]?
    public var origins = FieldOrigins()
    public init() {}
}

/// One `isapi_event_types` entry: `eBikeDetection: ebike_in_elevator` or
/// `{event: fire_lane_blocked, ends_with: fire_lane_cleared}`.
public struct AnalyticsTypeDraft: Sendable {
    public var name: String
    public var event, endsWith: String?
    public var origins = FieldOrigins()
    public init(name: String) { self.name = name }
}
