/// Validates drafts into a ``DeviceRegistry``. Every issue is collected with the location of the value
/// at fault, so `gatewayd check` reports a whole file at once and the HTTP API answers with the same
/// messages for the same mistakes. Residents and devices go through a ``FleetValidator``, one at a time (a file
/// reader hands them over as it reads them and keeps no drafts).
public struct RegistryValidator: Sendable {
    public init() {}

    /// Validates a whole registry.
    public func validate(_ draft: RegistryDraft) throws(ValidationFailure) -> DeviceRegistry {
        var fleet = FleetValidator(context: RegistryContext(site: draft))
        for resident in draft.residents { fleet.add(resident) }
        for device in draft.devices { fleet.add(device) }
        return try validate(site: draft, fleet: fleet)
    }

    /// Validates the site sections of `site` (gateway, communities, installers, vendor products, analytics types)
    /// and completes the registry with the residents and devices `fleet` validated as they were read (those of
    /// `site` are not looked at). A fleet validated without a context has its references checked here, on its
    /// finished records: their issues carry no location (read the file again with positions to say where).
    public func validate(site draft: RegistryDraft, fleet: consuming FleetValidator) throws(ValidationFailure) -> DeviceRegistry {
        var issues = IssueList()
        let gatewayID = issues.identifier(draft.gatewayID, origins: draft.gatewayOrigins, path: "gateway", field: "id")

        var communities: [Community] = []
        var gridOwners: [String: String] = [:]
        var seenCommunityIDs = Set<String>()
        for (index, communityDraft) in draft.communities.enumerated() {
            let path = "communities[\(index)]"
            if let community = validateCommunity(communityDraft, path: path, issues: &issues) {
                guard seenCommunityIDs.insert(community.id).inserted else {
                    issues.add(communityDraft.origins, path, "id", "duplicate community id \"\(community.id)\"")
                    continue
                }
                for (gridIndex, grid) in community.grids.enumerated() {
                    if let owner = gridOwners[grid.code] {
                        issues.add(communityDraft.grids[gridIndex].origins, "\(path).grids[\(gridIndex)]", "code",
                                   "duplicate grid code \"\(grid.code)\" (already used by community \"\(owner)\")")
                    } else {
                        gridOwners[grid.code] = community.id
                    }
                }
                communities.append(community)
            }
        }

        var installers: [Installer] = []
        var installerIDs = Set<String>()
        for (index, installerDraft) in draft.installers.enumerated() {
            let path = "installers[\(index)]"
            guard let installer = validateInstaller(installerDraft, path: path, issues: &issues) else { continue }
            if !installerIDs.insert(installer.id).inserted {
                issues.add(installerDraft.origins, path, "id", "duplicate installer id \"\(installer.id)\"")
            } else {
                installers.append(installer)
            }
        }

        let products = ProductMappingValidator().validate(draft.products, issues: &issues)
        let analyticsTypes = validateAnalyticsTypes(draft.isapiEventTypes, issues: &issues)

        if !fleet.checkedReferences {
            fleet.checkReferences(RegistryContext(communities: communities, installers: installers, products: products,
                                                  residents: fleet.residents))
        }
        let (residents, devices, fleetIssues) = fleet.finish()
        issues.append(contentsOf: fleetIssues)
        guard issues.isEmpty, let gatewayID else {
            throw ValidationFailure(issues: issues.sorted)
        }
        return DeviceRegistry(
            gatewayID: gatewayID, communities: communities, installers: installers, residents: residents, devices: devices,
            products: ProductCatalog(products), analyticsTypes: analyticsTypes
        )
    }

    /// Validates one device against an existing registry: the check the HTTP API runs on registration.
    /// `existing` ids are refused as duplicates unless `replacing` names the same id.
    public func validateDevice(
        _ draft: DeviceDraft, in registry: DeviceRegistry, replacing: String? = nil
    ) throws(ValidationFailure) -> Device {
        var issues = IssueList()
        let context = RegistryContext(registry)
        if let id = draft.id, id != replacing, registry.device(id) != nil {
            issues.add(draft.origins, "device", "id", "duplicate device id \"\(id)\"")
        }
        let device = validateDevice(draft, path: "device", context: context, issues: &issues)
        if let device, let other = registry.devices.values.first(where: {
            $0.id != device.id && $0.id != replacing && $0.vendor.lowercased() == device.vendor.lowercased() && $0.serial == device.serial
        }) {
            issues.add(draft.origins, "device", "serial",
                       "serial \"\(device.serial)\" of vendor \"\(device.vendor)\" is already registered as device \"\(other.id)\"")
        }
        if let binding = device?.binding, let other = registry.device(bindingKey: binding.topicKey),
           other.id != device?.id, other.id != replacing {
            issues.add(draft.origins, "device", "binding.name",
                       "\(binding.vendorProtocol.rawValue) identity \"\(binding.name)\" is already bound to device \"\(other.id)\"")
        }
        guard issues.isEmpty, let device else { throw ValidationFailure(issues: issues.sorted) }
        return device
    }

    // MARK: - Records

    private func validateCommunity(_ draft: CommunityDraft, path: String, issues: inout IssueList) -> Community? {
        let id = issues.identifier(draft.id, origins: draft.origins, path: path, field: "id")
        let name = issues.required(draft.name, draft.origins, path, "name")
        let address = issues.required(draft.address, draft.origins, path, "address")
        if draft.grids.isEmpty {
            issues.add(draft.origins, path, "grids", "a community needs at least one grid")
        }
        var grids: [Grid] = []
        for (index, gridDraft) in draft.grids.enumerated() {
            let gridPath = "\(path).grids[\(index)]"
            let code = issues.required(gridDraft.code, gridDraft.origins, gridPath, "code")
            let gridName = issues.required(gridDraft.name, gridDraft.origins, gridPath, "name")
            if let code, !ContactRules.isValidGridCode(code) {
                issues.add(gridDraft.origins, gridPath, "code", "grid code \"\(code)\" must be 6 to 20 digits")
                continue
            }
            if let code, let gridName { grids.append(Grid(code: code, name: gridName)) }
        }
        guard let id, let name, let address else { return nil }
        return Community(id: id, name: name, address: address, street: draft.street, grids: grids)
    }

    private func validateInstaller(_ draft: InstallerDraft, path: String, issues: inout IssueList) -> Installer? {
        let id = issues.identifier(draft.id, origins: draft.origins, path: path, field: "id")
        let name = issues.required(draft.name, draft.origins, path, "name")
        let phone = draft.phone.flatMap { issues.mobile($0, draft.origins, path, "phone") }
        guard let id, let name else { return nil }
        return Installer(id: id, name: name, phone: phone)
    }

    func validateResident(
        _ draft: ResidentDraft, path: String, context: RegistryContext?, issues: inout IssueList
    ) -> Resident? {
        let id = issues.identifier(draft.id, origins: draft.origins, path: path, field: "id")
        let name = issues.required(draft.name, draft.origins, path, "name")
        let community = issues.required(draft.community, draft.origins, path, "community")
        context?.checkCommunity(community, draft.origins, path, issues: &issues)
        let building = issues.required(draft.building, draft.origins, path, "building")
        let room = issues.required(draft.room, draft.origins, path, "room")
        var livesAlone = false
        if let text = draft.livesAlone {
            if let value = BooleanText.value(text) { livesAlone = value } else {
                issues.add(draft.origins, path, "lives_alone", "expected true or false, found \"\(text)\"")
            }
        }
        var relatives: [Relative] = []
        for (index, relativeDraft) in draft.relatives.enumerated() {
            if let relative = validateRelative(relativeDraft, path: "\(path).relatives[\(index)]", issues: &issues) {
                relatives.append(relative)
            }
        }
        guard let id, let name, let community, let building, let room,
              relatives.count == draft.relatives.count else { return nil }
        return Resident(
            id: id, name: name, community: community, building: building, unit: draft.unit, room: room,
            livesAlone: livesAlone, relatives: relatives
        )
    }

    private func validateRelative(_ draft: RelativeDraft, path: String, issues: inout IssueList) -> Relative? {
        let before = issues.count
        let name = issues.required(draft.name, draft.origins, path, "name")
        let relation = issues.required(draft.relation, draft.origins, path, "relation")
        let phone = draft.phone.flatMap { issues.mobile($0, draft.origins, path, "phone") }
        var channels: [ContactChannel] = []
        let channelTexts = draft.channels ?? (draft.phone != nil ? ["sms"] : [])
        if channelTexts.isEmpty {
            issues.add(draft.origins, path, "channels", "a relative needs at least one channel (sms or wechat) and its contact")
        }
        for text in channelTexts {
            guard let channel = ContactChannel(rawValue: text) else {
                issues.add(draft.origins, path, "channels", "unknown channel \"\(text)\" (expected one of: sms, wechat)")
                continue
            }
            channels.append(channel)
        }
        if channels.contains(.sms), draft.phone == nil {
            issues.add(draft.origins, path, "phone", "channel sms needs a phone number")
        }
        if channels.contains(.wechat), (draft.wechatOpenID ?? "").isEmpty {
            issues.add(draft.origins, path, "wechat_openid", "channel wechat needs a wechat_openid")
        }
        var notify = NotifyPreference.critical
        if let text = draft.notify {
            if let value = NotifyPreference(rawValue: text) { notify = value } else {
                issues.add(draft.origins, path, "notify", "unknown notify setting \"\(text)\" (expected one of: critical, all)")
            }
        }
        guard issues.count == before, let name, let relation else { return nil }
        return Relative(
            name: name, relation: relation, phone: phone, wechatOpenID: draft.wechatOpenID, channels: channels,
            notify: notify
        )
    }

    func validateDevice(
        _ draft: DeviceDraft, path: String, context: RegistryContext?, issues: inout IssueList
    ) -> Device? {
        let before = issues.count
        let id = issues.identifier(draft.id, origins: draft.origins, path: path, field: "id")
        var type: DeviceType?
        if let text = issues.required(draft.type, draft.origins, path, "type") {
            type = DeviceType(rawValue: text)
            if type == nil {
                let known = DeviceType.allCases.map(\.rawValue)
                var message = "unknown device type \"\(text)\""
                if let guess = Spelling.closest(to: text, among: known) { message += " (did you mean \"\(guess)\"?)" }
                issues.add(draft.origins, path, "type", message + " (expected one of: \(known.joined(separator: ", ")))")
            }
        }
        let communityID = issues.required(draft.community, draft.origins, path, "community")
        let grid = issues.required(draft.grid, draft.origins, path, "grid")
        context?.checkPlace(community: communityID, grid: grid, draft.origins, path, issues: &issues)
        let vendor = issues.required(draft.vendor, draft.origins, path, "vendor")
        let model = issues.required(draft.model, draft.origins, path, "model")
        let serial = issues.required(draft.serial, draft.origins, path, "serial")
        let installer = issues.required(draft.installer, draft.origins, path, "installer")
        context?.checkInstaller(installer, draft.origins, path, issues: &issues)
        var state = CommissioningState.registered
        if let text = draft.state {
            if let value = CommissioningState(rawValue: text) { state = value } else {
                let known = CommissioningState.allCases.map(\.rawValue).joined(separator: ", ")
                issues.add(draft.origins, path, "state", "unknown commissioning state \"\(text)\" (expected one of: \(known))")
            }
        }
        if let type, type.watchesResident {
            if let residentID = draft.resident {
                context?.checkResident(residentID, community: communityID, draft.origins, path, issues: &issues)
            } else {
                issues.add(draft.origins, path, "resident", "a \(type.rawValue) watches a resident: add `resident: <resident id>`")
            }
        } else if let type, draft.resident != nil {
            issues.add(draft.origins, path, "resident", "only elderly-care monitors watch a resident, not a \(type.rawValue)")
        }
        if draft.building == nil, draft.zone == nil {
            issues.add(draft.origins, path, nil, "a device needs a location: `building` (with unit/floor/room) or `zone`")
        }
        var interval = type?.defaultReportIntervalSeconds ?? 0
        if let text = draft.reportInterval {
            if let seconds = DurationText.seconds(text), (10...7 * 86_400).contains(seconds) {
                interval = seconds
            } else {
                issues.add(draft.origins, path, "report_interval",
                           "report interval \"\(text)\" must be a duration between 10s and 7d (e.g. 60s, 5m, 1h)")
            }
        }
        let binding = validateBinding(draft.binding, type: type, draft: draft, path: path, context: context, issues: &issues)
        if let hash = draft.pushSecretSHA256, !APISecretHash.isValid(hash) {
            issues.add(draft.origins, path, "push_secret_sha256", "expected 64 lowercase hex digits (`gatewayd hash-token <secret>` prints them)")
        }
        guard issues.count == before, let id, let type, let communityID, let grid, let vendor, let model, let serial,
              let installer else { return nil }
        let location = DeviceLocation(
            building: draft.building, unit: draft.unit, floor: draft.floor, room: draft.room, zone: draft.zone
        )
        return Device(
            id: id, type: type, community: communityID, grid: grid, location: location, vendor: vendor, model: model,
            serial: serial, installer: installer, state: state, resident: draft.resident,
            reportIntervalSeconds: interval, binding: binding, pushSecretSHA256: draft.pushSecretSHA256
        )
    }

    /// `isapi_event_types`: each name once (names are matched without case), events some device sends.
    private func validateAnalyticsTypes(
        _ drafts: [AnalyticsTypeDraft], issues: inout IssueList
    ) -> [String: HikvisionCodeTable.AnalyticsType] {
        let known = Set(DeviceType.allCases.flatMap { $0.capabilities.events })
        var result: [String: HikvisionCodeTable.AnalyticsType] = [:]
        var seen = Set<String>()
        for draft in drafts {
            let path = "isapi_event_types.\(draft.name)"
            let before = issues.count
            let event = issues.required(draft.event, draft.origins, path, "event")
            for (field, name) in [("event", event), ("ends_with", draft.endsWith)] {
                if let name, !known.contains(name) {
                    issues.add(draft.origins, path, field,
                               "no device type sends event `\(name)`\(ProductMappingValidator.suggestion(name, known))")
                }
            }
            if !seen.insert(draft.name.lowercased()).inserted {
                issues.add(draft.origins, path, nil, "event type \"\(draft.name)\" is listed twice (names are matched without case)")
            }
            guard issues.count == before, let event else { continue }
            result[draft.name.lowercased()] = HikvisionCodeTable.AnalyticsType(active: event, inactive: draft.endsWith)
        }
        return result
    }

    private func validateBinding(
        _ draft: BindingDraft?, type: DeviceType?, draft device: DeviceDraft, path: String, context: RegistryContext?,
        issues: inout IssueList
    ) -> VendorBinding? {
        guard let draft else { return nil }
        let origins = FieldOrigins(record: device.origins.location(of: "binding"), fields: device.origins.fields.reduce(into: [:]) {
            if $1.key.hasPrefix("binding.") { $0[String($1.key.dropFirst(8))] = $1.value }
        })
        let bindingPath = "\(path).binding"
        let vendorProtocol = issues.vendorProtocol(draft.vendorProtocol, origins, bindingPath, "protocol", mqttOnly: true)
        let product = issues.vendorName(draft.product, origins, bindingPath, "product")
        let name = issues.vendorName(draft.name, origins, bindingPath, "name")
        guard let vendorProtocol, let product, let name else { return nil }
        if let context, !context.checkProduct(ProductKey(vendorProtocol: vendorProtocol, product: product), type: type, origins,
                                              bindingPath, issues: &issues) {
            return nil
        }
        return VendorBinding(vendorProtocol: vendorProtocol, product: product, name: name)
    }
}
