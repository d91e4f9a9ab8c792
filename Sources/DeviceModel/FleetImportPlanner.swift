/// Plans a fleet import (`gatewayd devices import`): every row is validated as `gatewayd devices add` validates
/// one device (`RegistryValidator/validateDevice(_:in:replacing:)`), against the live registry and against the
/// other rows of the file, and sorted into added, updated and unchanged. All problems are reported at once; a
/// plan exists only when there are none. Pure, and linear in rows plus registry (indexes are built once).
///
/// What a row may change of a device already registered (in devices.yaml or at run time): everything but its
/// id and type (a different kind of device is a new device). A row without `state` keeps the device's state, and a
/// row without a vendor binding or push secret keeps the device's.
public struct FleetImportPlanner: Sendable {
    public init() {}

    public func plan(_ drafts: [DeviceDraft], in registry: DeviceRegistry) throws(ValidationFailure) -> FleetImportPlan {
        let validator = RegistryValidator()
        let context = RegistryContext(registry)
        var issues = IssueList()
        var rowOfID: [String: Int] = [:]
        rowOfID.reserveCapacity(drafts.count)
        var valid: [(row: Int, device: Device)] = []
        valid.reserveCapacity(drafts.count)
        for (row, draft) in drafts.enumerated() {
            let path = "devices[\(row)]"
            if let id = draft.id {
                if let first = rowOfID[id] {
                    issues.add(draft.origins, path, "id", "duplicate device id \"\(id)\" in the file (first\(Self.at(drafts[first])))")
                    continue
                }
                rowOfID[id] = row
            }
            guard var device = validator.validateDevice(draft, path: path, context: context, issues: &issues) else { continue }
            if let existing = registry.device(device.id) {
                if existing.type != device.type {
                    issues.add(draft.origins, path, "type", "device \"\(device.id)\" is a \(existing.type.rawValue): the type of a "
                               + "registered device cannot change (register the new device under a new id)")
                    continue
                }
                if draft.state == nil { device.state = existing.state }
                if draft.binding == nil { device.binding = existing.binding }
                if draft.pushSecretSHA256 == nil { device.pushSecretSHA256 = existing.pushSecretSHA256 }
            }
            valid.append((row, device))
        }

        // Serial numbers and vendor identities stay unique across the registry as it will be: the file's rows
        // replace the devices of their ids, every other device keeps its own.
        var serialOwners: [String: String] = [:]
        serialOwners.reserveCapacity(registry.devices.count)
        for device in registry.devices.values where rowOfID[device.id] == nil { serialOwners[Self.serialKey(device)] = device.id }
        var rowSerials: [String: Int] = [:], rowBindings: [String: Int] = [:]
        rowSerials.reserveCapacity(valid.count)
        var plan = FleetImportPlan()
        for (row, device) in valid {
            let draft = drafts[row], path = "devices[\(row)]"
            let serialKey = Self.serialKey(device)
            if let owner = serialOwners[serialKey] {
                issues.add(draft.origins, path, "serial",
                           "serial \"\(device.serial)\" of vendor \"\(device.vendor)\" is already registered as device \"\(owner)\"")
            } else if let other = rowSerials[serialKey] {
                issues.add(draft.origins, path, "serial", "serial \"\(device.serial)\" of vendor \"\(device.vendor)\" is also the serial "
                           + "of device \"\(drafts[other].id ?? "")\"\(Self.at(drafts[other]))")
            } else {
                rowSerials[serialKey] = row
            }
            if let binding = device.binding {
                if let other = registry.device(bindingKey: binding.topicKey), other.id != device.id, rowOfID[other.id] == nil {
                    issues.add(draft.origins, path, "binding.name",
                               "\(binding.vendorProtocol.rawValue) identity \"\(binding.name)\" is already bound to device \"\(other.id)\"")
                } else if let other = rowBindings[binding.topicKey] {
                    issues.add(draft.origins, path, "binding.name", "\(binding.vendorProtocol.rawValue) identity \"\(binding.name)\" "
                               + "is also that of device \"\(drafts[other].id ?? "")\"\(Self.at(drafts[other]))")
                } else {
                    rowBindings[binding.topicKey] = row
                }
            }
            switch registry.device(device.id) {
            case nil: plan.added.append(device)
            case device?: plan.unchanged += 1
            case _?: plan.updated.append(device)
            }
        }
        guard issues.isEmpty else { throw ValidationFailure(issues: issues.sorted) }
        return plan
    }

    static func serialKey(_ device: Device) -> String { "\(device.vendor.lowercased())/\(device.serial)" }

    /// ` on line N` (or nothing, for a row without a position).
    static func at(_ draft: DeviceDraft) -> String {
        draft.origins.record.map { " on line \($0.line)" } ?? ""
    }
}

/// What an import does: the devices it registers and those it changes; the rows that match their device as
/// registered are only counted.
public struct FleetImportPlan: Sendable {
    public var added: [Device] = []
    public var updated: [Device] = []
    public var unchanged = 0
    public init() {}

    /// The devices to write, new ones first.
    public var changes: [Device] { added + updated }
}
