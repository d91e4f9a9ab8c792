/// Validates a fleet — residents and devices — one entry at a time, as a reader produces them, into the tables
/// of the registry to be: a draft is let go as soon as it is validated, so memory holds the finished records and
/// compact indexes, not 100,000 drafts of each beside them. What spans entries is checked against what came
/// before: duplicate resident and device ids, serial numbers (per vendor) and vendor identities.
///
/// References to other records (community and grid, installer, resident, vendor product) are checked as each
/// entry is added when a ``RegistryContext`` is given. Without one — a file read once, front to back, whose
/// communities, residents or `vendor_products` may come after the entries naming them — they are checked on the
/// finished records by ``RegistryValidator/validate(site:fleet:)``, the same checks without positions: a file found
/// invalid that way is read again with a context (and positions) to say where.
public struct FleetValidator: Sendable {
    private let context: RegistryContext?
    private(set) var residents = ResidentTable()
    private var devices = DeviceTable()
    private var issues = IssueList()
    /// Entries added so far: the index in each entry's path (`devices[41]`), across files.
    private var residentCount = 0, deviceCount = 0
    /// Ids of device entries that were not valid (the valid ones are in `devices`): a later entry with one is a duplicate.
    private var invalidDeviceIDs: Set<String> = []
    /// `vendor/serial` (vendor lower-cased) → position in `devices`.
    private var serials: [String: Int32] = [:]
    /// Vendor identity (``VendorBinding/topicKey``) → position in `devices`.
    private var bindings: [String: Int32] = [:]
    /// Whether the references of the entries have been checked (as they were added, or on the finished records).
    private(set) var checkedReferences: Bool

    /// References are checked once the fleet is complete, by ``RegistryValidator/validate(site:fleet:)``.
    public init() {
        context = nil
        checkedReferences = false
    }

    /// References are checked as each entry is added, against `context`.
    public init(context: RegistryContext) {
        self.context = context
        checkedReferences = true
    }

    public mutating func add(_ draft: ResidentDraft) {
        let path = "residents[\(residentCount)]"
        residentCount += 1
        guard let resident = RegistryValidator().validateResident(draft, path: path, context: context, issues: &issues) else { return }
        if !residents.insert(resident) {
            issues.add(draft.origins, path, "id", "duplicate resident id \"\(resident.id)\"")
        }
    }

    public mutating func add(_ draft: DeviceDraft) {
        let path = "devices[\(deviceCount)]"
        deviceCount += 1
        if let id = draft.id, devices.position(of: id) != nil || invalidDeviceIDs.contains(id) {
            issues.add(draft.origins, path, "id", "duplicate device id \"\(id)\"")
            return
        }
        guard let device = RegistryValidator().validateDevice(draft, path: path, context: context, issues: &issues) else {
            if let id = draft.id { invalidDeviceIDs.insert(id) }
            return
        }
        let position = Int32(devices.count)
        let serialKey = "\(device.vendor.lowercased())/\(device.serial)"
        if let other = serials[serialKey] {
            issues.add(draft.origins, path, "serial",
                       "serial \"\(device.serial)\" of vendor \"\(device.vendor)\" is already registered as device \"\(devices.values[Int(other)].id)\"")
        } else {
            serials[serialKey] = position
        }
        if let binding = device.binding {
            if let other = bindings[binding.topicKey] {
                issues.add(draft.origins, path, "binding.name",
                           "\(binding.vendorProtocol.rawValue) identity \"\(binding.name)\" is already bound to device \"\(devices.values[Int(other)].id)\"")
            } else {
                bindings[binding.topicKey] = position
            }
        }
        devices.upsert(device)
    }

    /// The references of the finished records, against `context` (a fleet validated without one). Records are
    /// named by their place among the valid ones: these issues only say that the fleet is not valid.
    mutating func checkReferences(_ context: RegistryContext) {
        checkedReferences = true
        let origins = FieldOrigins()
        for (index, resident) in residents.values.enumerated() {
            context.checkCommunity(resident.community, origins, "residents[\(index)]", issues: &issues)
        }
        for (index, device) in devices.values.enumerated() {
            let path = "devices[\(index)]"
            context.checkPlace(community: device.community, grid: device.grid, origins, path, issues: &issues)
            context.checkInstaller(device.installer, origins, path, issues: &issues)
            if device.type.watchesResident, let resident = device.resident {
                context.checkResident(resident, community: device.community, origins, path, issues: &issues)
            }
            if let binding = device.binding {
                context.checkProduct(ProductKey(vendorProtocol: binding.vendorProtocol, product: binding.product), type: device.type,
                                     origins, "\(path).binding", issues: &issues)
            }
        }
    }

    /// The tables and every issue found; the indexes are let go.
    consuming func finish() -> (residents: ResidentTable, devices: DeviceTable, issues: [ValidationIssue]) {
        (residents, devices, issues.issues)
    }
}
