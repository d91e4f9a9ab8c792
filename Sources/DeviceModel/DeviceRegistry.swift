/// Everything registered: communities, installers, residents and devices, validated and indexed by id.
/// Build one with ``RegistryValidator``; a registry value is always internally consistent.
public struct DeviceRegistry: Sendable {
    public var gatewayID: String
    public private(set) var communities: [String: Community]
    public private(set) var installers: [String: Installer]
    public private(set) var residents: ResidentTable
    public private(set) var devices: DeviceTable
    /// Thing-model mappings of the vendor products devices are bound to.
    public private(set) var products: ProductCatalog
    /// Analytics `eventType` names configured for this deployment (lower-cased), consulted before
    /// ``HikvisionCodeTable/analyticsTypes``.
    public private(set) var analyticsTypes: [String: HikvisionCodeTable.AnalyticsType] = [:]
    /// Vendor topic key (``VendorBinding/topicKey``) → device id.
    private var bindings: [String: String] = [:]

    /// A registry from tables already built (``FleetValidator`` fills them entry by entry): taken as they are, not copied.
    init(
        gatewayID: String, communities: [Community], installers: [Installer], residents: ResidentTable,
        devices: DeviceTable, products: ProductCatalog = ProductCatalog(),
        analyticsTypes: [String: HikvisionCodeTable.AnalyticsType] = [:]
    ) {
        self.products = products
        self.analyticsTypes = analyticsTypes
        self.gatewayID = gatewayID
        self.communities = Dictionary(communities.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        self.installers = Dictionary(installers.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        self.residents = residents
        self.devices = devices
        for device in devices.values { if let binding = device.binding { bindings[binding.topicKey] = device.id } }
    }

    public func device(_ id: String) -> Device? { devices[id] }

    /// Adds or replaces a device. Validate it first with ``RegistryValidator/validateDevice(_:in:replacing:)``:
    /// the registry does not check it again.
    public mutating func upsert(_ device: Device) {
        if let old = devices[device.id]?.binding, bindings[old.topicKey] == device.id { bindings[old.topicKey] = nil }
        devices.upsert(device)
        if let binding = device.binding { bindings[binding.topicKey] = device.id }
    }

    /// The device bound to a vendor identity (``VendorBinding/topicKey``).
    public func device(bindingKey: String) -> Device? { bindings[bindingKey].flatMap { devices[$0] } }
    /// What an analytics `eventType` means: the deployment's table first, then the built-in one.
    public func analyticsType(_ eventType: String) -> HikvisionCodeTable.AnalyticsType? {
        let key = eventType.lowercased()
        return analyticsTypes[key] ?? HikvisionCodeTable.analyticsTypes[key]
    }

    public func resident(_ id: String) -> Resident? { residents[id] }
    public func community(_ id: String) -> Community? { communities[id] }

    /// Devices sorted by id, for stable listings.
    public var sortedDevices: [Device] { devices.values.sorted { $0.id < $1.id } }
}
