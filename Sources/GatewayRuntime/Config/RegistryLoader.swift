import AlertRules
import DeviceModel
import Foundation

/// Reads `devices.yaml` into a validated ``DeviceRegistry``.
///
/// Keys (all values are text unless noted):
/// - `gateway.id` (required): the gateway's id, used in its MQTT client id and presence topic.
/// - `communities[]`: `id`, `name`, `address`, `street` (optional), `grids[]` (`code`, `name`).
/// - `installers[]`: `id`, `name`, `phone` (optional).
/// - `residents[]`: `id`, `name`, `community`, `building`, `unit` (optional), `room`, `lives_alone` (bool,
///   default false), `relatives[]` (`name`, `relation`, `phone`, `wechat_openid`, `channels` list of
///   `sms`/`wechat` (default `[sms]` when a phone is given), `notify` `critical`|`all`, default `critical`).
/// - `devices[]`: `id`, `type`, `community`, `grid`, `building`/`unit`/`floor`/`room` or `zone`, `vendor`,
///   `model`, `serial`, `installer`, `state` (`registered`|`commissioned`|`decommissioned`, default
///   `registered`), `resident` (elderly monitors only), `report_interval` (duration, default per type),
///   `binding` (vendorProtocol alink|onenet|iotda, `product`, `name`: the device's vendor MQTT identity),
///   `push_secret_sha256` (devices that push events over HTTP: Hikvision ISAPI, Dahua).
/// - `vendor_products[]`: vendorProtocol, `product`, `device_type`, `properties` (identifier → metric, or
///   `{metric, scale}`, or `{events: {value: event}}`), `events` (identifier → event). See
///   ``VendorProductReader``.
/// - `isapi_event_types`: analytics `eventType` name → event (or `{event, ends_with}`), beside the
///   built-in Hikvision table.
/// - `include`: patterns of fleet files (only `residents` and `devices`), relative to this file's directory.
///
/// Every problem is reported with its `file:line:column`, all at once.
public enum RegistryLoader {
    /// Reads registry and rules. See ``RuleBookLoader`` for the `settings`, `rules`, `overrides` and
    /// `silences` sections.
    public static func loadConfiguration(path: String) throws(ConfigFileError) -> GatewayConfiguration {
        try parseConfiguration({ () throws(ConfigFileError) -> String in try read(path: path) }, file: path)
    }

    public static func parseConfiguration(_ text: String, file: String) throws(ConfigFileError) -> GatewayConfiguration {
        try parseConfiguration({ () throws(ConfigFileError) -> String in text }, file: file)
    }

    /// A valid file needs no positions: the first reading keeps none for the (many) residents and devices, and the
    /// text is let go once read. Only when something is wrong is the file read again with every field's
    /// file:line:column, to say where.
    private static func parseConfiguration(_ source: () throws(ConfigFileError) -> String, file: String) throws(ConfigFileError)
        -> GatewayConfiguration {
        do {
            return try parseConfiguration(source, file: file, positions: false)
        } catch {
            return try parseConfiguration(source, file: file, positions: true)
        }
    }

    private static func parseConfiguration(_ source: () throws(ConfigFileError) -> String, file: String, positions: Bool)
        throws(ConfigFileError) -> GatewayConfiguration {
        let (draft, top, structuralIssues) = try draft(from: try source(), file: file, positions: positions)
        var issues = structuralIssues
        var registry: DeviceRegistry?
        do {
            registry = try RegistryValidator().validate(draft)
        } catch {
            issues += error.issues
        }
        let (ruleBook, silences, retention) = RuleBookLoader.read(top, registry: registry, issues: &issues)
        let (forwarding, tokens) = ForwardingLoader.read(top, ruleBook: ruleBook, issues: &issues)
        let (roster, dutyIssues) = DutyRosterValidator().validate(
            YAMLDraft.sections([DutyRosterValidator.section], of: top, issues: &issues), registry: registry)
        issues += dutyIssues
        guard issues.isEmpty, let registry else { throw ConfigFileError.invalid(issues.sortedByLocation()) }
        return GatewayConfiguration(registry: registry, ruleBook: ruleBook, silences: silences, forwarding: forwarding,
                                    apiTokens: tokens, dutyRoster: roster, retention: retention)
    }

    public static func load(path: String) throws(ConfigFileError) -> DeviceRegistry {
        try parseConfiguration(try read(path: path), file: path).registry
    }

    private static func read(path: String) throws(ConfigFileError) -> String {
        let text: String
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            guard let decoded = String(data: data, encoding: .utf8) else {
                throw ConfigFileError.unreadable(file: path, reason: "file is not UTF-8 text")
            }
            text = decoded
        } catch let error as ConfigFileError {
            throw error
        } catch {
            let exists = FileManager.default.fileExists(atPath: path)
            throw ConfigFileError.unreadable(file: path, reason: exists ? "cannot read the file (permissions, or not a regular file)" : "no such file")
        }
        return text
    }

    public static func parse(_ text: String, file: String) throws(ConfigFileError) -> DeviceRegistry {
        try parseConfiguration(text, file: file).registry
    }

    /// The YAML turned into drafts, with structural issues (unknown keys, wrong shapes) found on the way.
    /// `positions: false` drops the field positions of residents and devices as soon as each is read (memory at
    /// 100,000 devices); their diagnostics then name the path only.
    static func draft(from text: String, file: String, positions: Bool = true) throws(ConfigFileError)
        -> (registry: RegistryDraft, top: YAMLRecord, issues: [ValidationIssue]) {
        // libyaml's event stream, not a whole-document tree: the entries of `residents` and `devices` (100,000 in
        // a district) are read one at a time. No implicit typing either — every value is text until a validator
        // gives it meaning.
        var issues: [ValidationIssue] = []
        var streamedResidents: [ResidentDraft] = [], streamedDevices: [DeviceDraft] = []
        guard let root = try readDocument(text, file: file, positions: positions, issues: &issues,
                                          residents: &streamedResidents, devices: &streamedDevices) else {
            throw ConfigFileError.invalid([ValidationIssue(location: SourceLocation(file: file, line: 1, column: 1),
                                                           path: "", message: "the file is empty")])
        }
        var draft = RegistryDraft()
        draft.residents = streamedResidents
        draft.devices = streamedDevices
        guard let top = YAMLRecord(root, file: file, path: "", allowedKeys: ["gateway", "communities", "installers", "residents", "devices", "settings", "rules", "overrides", "silences", "forwarding", "api_tokens", "vendor_products", "isapi_event_types", "duty", "include"], issues: &issues) else {
            throw ConfigFileError.invalid(issues)
        }
        try readIncludes(top, file: file, positions: positions, into: &draft, issues: &issues)
        draft.origins = top.origins
        if let gatewayNode = top.values["gateway"],
           let gateway = YAMLRecord(gatewayNode, file: file, path: "gateway", allowedKeys: ["id"], issues: &issues) {
            draft.gatewayID = gateway.scalar("id", issues: &issues)
            draft.gatewayOrigins = gateway.origins
        } else {
            draft.gatewayOrigins = FieldOrigins(record: top.origins.record)
        }
        for (index, node) in top.sequence("communities", issues: &issues).enumerated() {
            if let community = readCommunity(node, file: file, path: "communities[\(index)]", issues: &issues) {
                draft.communities.append(community)
            }
        }
        for (index, node) in top.sequence("installers", issues: &issues).enumerated() {
            let path = "installers[\(index)]"
            guard let record = YAMLRecord(node, file: file, path: path, allowedKeys: ["id", "name", "phone"], issues: &issues)
            else { continue }
            var installer = InstallerDraft()
            installer.id = record.scalar("id", issues: &issues)
            installer.name = record.scalar("name", issues: &issues)
            installer.phone = record.scalar("phone", issues: &issues)
            installer.origins = record.origins
            draft.installers.append(installer)
        }
        for (index, node) in top.sequence("residents", issues: &issues).enumerated() {
            if let resident = readResident(node, file: file, path: "residents[\(index)]", issues: &issues) {
                draft.residents.append(resident)
            }
        }
        for (index, node) in top.sequence("devices", issues: &issues).enumerated() {
            if let device = readDevice(node, file: file, path: "devices[\(index)]", issues: &issues) {
                draft.devices.append(device)
            }
        }
        draft.products = VendorProductReader.read(top, file: file, issues: &issues)
        draft.isapiEventTypes = VendorProductReader.readAnalyticsTypes(top, file: file, issues: &issues)
        return (draft, top, issues)
    }

    private static func readCommunity(_ node: ConfigNode, file: String, path: String, issues: inout [ValidationIssue]) -> CommunityDraft? {
        guard let record = YAMLRecord(node, file: file, path: path, allowedKeys: ["id", "name", "address", "street", "grids"], issues: &issues)
        else { return nil }
        var community = CommunityDraft()
        community.id = record.scalar("id", issues: &issues)
        community.name = record.scalar("name", issues: &issues)
        community.address = record.scalar("address", issues: &issues)
        community.street = record.scalar("street", issues: &issues)
        community.origins = record.origins
        for (index, gridNode) in record.sequence("grids", issues: &issues).enumerated() {
            guard let gridRecord = YAMLRecord(gridNode, file: file, path: "\(path).grids[\(index)]", allowedKeys: ["code", "name"], issues: &issues)
            else { continue }
            var grid = GridDraft()
            grid.code = gridRecord.scalar("code", issues: &issues)
            grid.name = gridRecord.scalar("name", issues: &issues)
            grid.origins = gridRecord.origins
            community.grids.append(grid)
        }
        return community
    }

    /// Reads one document, the entries of its `residents` and `devices` one at a time into `residents`/`devices`.
    static func readDocument(_ text: String, file: String, positions: Bool, issues: inout [ValidationIssue],
                                     residents: inout [ResidentDraft], devices: inout [DeviceDraft]) throws(ConfigFileError) -> ConfigNode? {
        do {
            return try YAMLEventReader.withReader(text: text, file: file) { reader in
                try reader.read(streaming: ["residents", "devices"], visit: { key, index, node in
                    if key == "residents" {
                        if var resident = readResident(node, file: file, path: "residents[\(index)]", issues: &issues) {
                            if !positions {
                                resident.origins = FieldOrigins()
                                for relative in resident.relatives.indices { resident.relatives[relative].origins = FieldOrigins() }
                            }
                            residents.append(resident)
                        }
                    } else if var device = readDevice(node, file: file, path: "devices[\(index)]", issues: &issues) {
                        if !positions { device.origins = FieldOrigins() }
                        devices.append(device)
                    }
                })
            }
        } catch let error as YAMLEventReader.SyntaxError {
            throw ConfigFileError.syntax(error.location, "invalid YAML: \(error.message)")
        } catch {
            throw ConfigFileError.syntax(SourceLocation(file: file, line: 1, column: 1), "not valid YAML")
        }
    }

    /// `include: [devices.d/*.yaml]`: fleet files (only `residents` and `devices`) beside the site configuration,
    /// matched relative to its directory, in name order. Each is read like the main file, with its own
    /// file:line:column; a pattern that matches nothing is an error (a fleet must not vanish silently).
    private static func readIncludes(_ top: YAMLRecord, file: String, positions: Bool, into draft: inout RegistryDraft,
                                     issues: inout [ValidationIssue]) throws(ConfigFileError) {
        guard let patterns = top.scalarList("include", issues: &issues) else { return }
        let directory = URL(fileURLWithPath: file).deletingLastPathComponent()
        for pattern in patterns {
            let absolute = pattern.hasPrefix("/") ? pattern : directory.appendingPathComponent(pattern).path
            var matches = glob_t()
            defer { globfree(&matches) }
            var paths: [String] = []
            if glob(absolute, 0, nil, &matches) == 0 {
                for index in 0..<Int(matches.gl_pathc) {
                    if let path = matches.gl_pathv[index] { paths.append(String(cString: path)) }
                }
            }
            guard !paths.isEmpty else {
                issues.append(top.issue("include", "no file matches \"\(pattern)\""))
                continue
            }
            for path in paths.sorted() {
                let text = try read(path: path)
                var residents: [ResidentDraft] = [], devices: [DeviceDraft] = []
                guard let root = try readDocument(text, file: path, positions: positions, issues: &issues,
                                                  residents: &residents, devices: &devices) else { continue }
                // Only fleets here: the site configuration stays in one place.
                if let fleet = YAMLRecord(root, file: path, path: "", allowedKeys: ["residents", "devices"], issues: &issues) {
                    _ = fleet.sequence("residents", issues: &issues)
                    _ = fleet.sequence("devices", issues: &issues)
                }
                draft.residents += residents
                draft.devices += devices
            }
        }
    }

    // The keys of the records read 100,000 times: built once.
    private static let residentKeys: Set<String> = ["id", "name", "community", "building", "unit", "room", "lives_alone", "relatives"]
    private static let relativeKeys: Set<String> = ["name", "relation", "phone", "wechat_openid", "channels", "notify"]
    private static let deviceKeys: Set<String> = [
        "id", "type", "community", "grid", "vendor", "model", "serial", "installer", "state", "resident",
        "building", "unit", "floor", "room", "zone", "report_interval", "binding", "push_secret_sha256",
    ]
    private static let bindingKeys: Set<String> = ["protocol", "product", "name"]

    private static func readResident(_ node: ConfigNode, file: String, path: String, issues: inout [ValidationIssue]) -> ResidentDraft? {
        guard let record = YAMLRecord(node, file: file, path: path, allowedKeys: residentKeys, issues: &issues) else { return nil }
        var resident = ResidentDraft()
        resident.id = record.scalar("id", issues: &issues)
        resident.name = record.scalar("name", issues: &issues)
        resident.community = record.scalar("community", issues: &issues)
        resident.building = record.scalar("building", issues: &issues)
        resident.unit = record.scalar("unit", issues: &issues)
        resident.room = record.scalar("room", issues: &issues)
        resident.livesAlone = record.scalar("lives_alone", issues: &issues)
        resident.origins = record.origins
        for (index, relativeNode) in record.sequence("relatives", issues: &issues).enumerated() {
            guard let relativeRecord = YAMLRecord(relativeNode, file: file, path: "\(path).relatives[\(index)]",
                                                  allowedKeys: relativeKeys, issues: &issues)
            else { continue }
            var relative = RelativeDraft()
            relative.name = relativeRecord.scalar("name", issues: &issues)
            relative.relation = relativeRecord.scalar("relation", issues: &issues)
            relative.phone = relativeRecord.scalar("phone", issues: &issues)
            relative.wechatOpenID = relativeRecord.scalar("wechat_openid", issues: &issues)
            relative.channels = relativeRecord.scalarList("channels", issues: &issues)
            relative.notify = relativeRecord.scalar("notify", issues: &issues)
            relative.origins = relativeRecord.origins
            resident.relatives.append(relative)
        }
        return resident
    }

    private static func readDevice(_ node: ConfigNode, file: String, path: String, issues: inout [ValidationIssue]) -> DeviceDraft? {
        guard let record = YAMLRecord(node, file: file, path: path, allowedKeys: deviceKeys, issues: &issues) else { return nil }
        var device = DeviceDraft()
        device.id = record.scalar("id", issues: &issues)
        device.type = record.scalar("type", issues: &issues)
        device.community = record.scalar("community", issues: &issues)
        device.grid = record.scalar("grid", issues: &issues)
        device.vendor = record.scalar("vendor", issues: &issues)
        device.model = record.scalar("model", issues: &issues)
        device.serial = record.scalar("serial", issues: &issues)
        device.installer = record.scalar("installer", issues: &issues)
        device.state = record.scalar("state", issues: &issues)
        device.resident = record.scalar("resident", issues: &issues)
        device.building = record.scalar("building", issues: &issues)
        device.unit = record.scalar("unit", issues: &issues)
        device.floor = record.scalar("floor", issues: &issues)
        device.room = record.scalar("room", issues: &issues)
        device.zone = record.scalar("zone", issues: &issues)
        device.reportInterval = record.scalar("report_interval", issues: &issues)
        device.pushSecretSHA256 = record.scalar("push_secret_sha256", issues: &issues)
        device.origins = record.origins
        if let bindingNode = record.values["binding"],
           let binding = YAMLRecord(bindingNode, file: file, path: "\(path).binding", allowedKeys: bindingKeys,
                                    issues: &issues) {
            device.binding = BindingDraft(vendorProtocol: binding.scalar("protocol", issues: &issues),
                                          product: binding.scalar("product", issues: &issues),
                                          name: binding.scalar("name", issues: &issues))
            for (key, location) in binding.origins.fields { device.origins.set("binding.\(key)", location) }
        }
        return device
    }
}

extension [ValidationIssue] {
    /// In file order; issues without a location last.
    func sortedByLocation() -> [ValidationIssue] {
        enumerated().sorted { lhs, rhs in
            switch (lhs.element.location, rhs.element.location) {
            case let (l?, r?): (l.line, l.column, lhs.offset) < (r.line, r.column, rhs.offset)
            case (.some, nil): true
            case (nil, .some): false
            case (nil, nil): lhs.offset < rhs.offset
            }
        }.map(\.element)
    }
}
