import AlertRules
import DeviceModel
import Foundation
#if canImport(Glibc)
import Glibc
#endif

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
        try parseConfiguration(.file(path), file: path)
    }

    public static func parseConfiguration(_ text: String, file: String) throws(ConfigFileError) -> GatewayConfiguration {
        try parseConfiguration(.text(text), file: file)
    }

    /// Where a configuration is read from: text in memory, or a file read as the parser needs it (never held whole).
    enum Source {
        case text(String)
        case file(String)
    }

    /// One entry of a `residents` or `devices` list, as it is read.
    enum FleetEntry {
        case resident(ResidentDraft)
        case device(DeviceDraft)
    }

    /// A valid file is read once: each resident and device is validated as it is read and only the finished record
    /// kept (``FleetValidator``), without positions, and their references (which may name what comes later in the
    /// file) are checked once all is read. Only when something is wrong is the file read again — first for what its
    /// entries may refer to, then with every field's file:line:column, each entry checked as it is read — to say where.
    private static func parseConfiguration(_ source: Source, file: String) throws(ConfigFileError) -> GatewayConfiguration {
        do {
            var fleet = FleetValidator()
            let site = try readSite(source, file: file, positions: false) { fleet.add($0) }
            return try configuration(site, fleet: fleet)
        } catch {
            var context = RegistryContext()
            let referenced = try readSite(source, file: file, positions: false) { entry in
                if case let .resident(resident) = entry { context.note(resident) }
            }
            context.note(site: referenced.registry)
            var fleet = FleetValidator(context: context)
            let site = try readSite(source, file: file, positions: true) { fleet.add($0) }
            return try configuration(site, fleet: fleet)
        }
    }

    /// The configuration of a site read with its fleet validated: every issue, or none and the configuration.
    private static func configuration(_ site: (registry: RegistryDraft, top: YAMLRecord, issues: [ValidationIssue]),
                                      fleet: consuming FleetValidator) throws(ConfigFileError) -> GatewayConfiguration {
        var issues = site.issues
        var registry: DeviceRegistry?
        do {
            registry = try RegistryValidator().validate(site: site.registry, fleet: fleet)
        } catch {
            issues += error.issues
        }
        let top = site.top
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
        try loadConfiguration(path: path).registry
    }

    public static func parse(_ text: String, file: String) throws(ConfigFileError) -> DeviceRegistry {
        try parseConfiguration(text, file: file).registry
    }

    /// Opens the file at `path` for `body`; closed after it. (A directory opens, but reading it fails: the reader says so.)
    private static func withFile<T>(_ path: String, _ body: (UnsafeMutablePointer<FILE>) throws(ConfigFileError) -> T)
        throws(ConfigFileError) -> T {
        guard let stream = fopen(path, "r") else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw ConfigFileError.unreadable(file: path, reason: exists ? "cannot read the file (permissions, or not a regular file)" : "no such file")
        }
        defer { fclose(stream) }
        return try body(stream)
    }

    /// The site configuration (everything but the residents and devices, which go to `entries` as they are read — those
    /// of included files too), with the structural issues (unknown keys, wrong shapes) found on the way.
    /// `positions: false` drops the field positions of residents and devices (they are validated without them, and
    /// their diagnostics then name the path only).
    static func readSite(_ source: Source, file: String, positions: Bool = true, entries: (FleetEntry) -> Void)
        throws(ConfigFileError) -> (registry: RegistryDraft, top: YAMLRecord, issues: [ValidationIssue]) {
        // libyaml's event stream, not a whole-document tree: the entries of `residents` and `devices` (100,000 in
        // a district) are read one at a time. No implicit typing either — every value is text until a validator
        // gives it meaning.
        var issues: [ValidationIssue] = []
        guard let root = try readDocument(source, file: file, positions: positions, issues: &issues, entries: entries) else {
            throw ConfigFileError.invalid([ValidationIssue(location: SourceLocation(file: file, line: 1, column: 1),
                                                           path: "", message: "the file is empty")])
        }
        var draft = RegistryDraft()
        guard let top = YAMLRecord(root, file: file, path: "", allowedKeys: ["gateway", "communities", "installers", "residents", "devices", "settings", "rules", "overrides", "silences", "forwarding", "api_tokens", "vendor_products", "isapi_event_types", "duty", "include"], issues: &issues) else {
            throw ConfigFileError.invalid(issues)
        }
        try readIncludes(top, file: file, positions: positions, issues: &issues, entries: entries)
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
        // `residents` and `devices` were streamed: here they are empty lists, checked for their shape only.
        _ = top.sequence("residents", issues: &issues)
        _ = top.sequence("devices", issues: &issues)
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

    /// Reads one document, the entries of its `residents` and `devices` handed to `entries` one at a time.
    static func readDocument(_ source: Source, file: String, positions: Bool, issues: inout [ValidationIssue],
                             entries: (FleetEntry) -> Void) throws(ConfigFileError) -> ConfigNode? {
        do {
            switch source {
            case let .text(text):
                return try YAMLEventReader.withReader(text: text, file: file) { reader in
                    try read(reader, file: file, positions: positions, issues: &issues, entries: entries)
                }
            case let .file(path):
                return try withFile(path) { stream throws(ConfigFileError) in
                    do {
                        return try YAMLEventReader.withReader(stream: stream, file: file) { reader in
                            try read(reader, file: file, positions: positions, issues: &issues, entries: entries)
                        }
                    } catch {
                        throw fileError(error, file: file)
                    }
                }
            }
        } catch let error as ConfigFileError {
            throw error
        } catch {
            throw fileError(error, file: file)
        }
    }

    private static func read(_ reader: YAMLEventReader, file: String, positions: Bool, issues: inout [ValidationIssue],
                             entries: (FleetEntry) -> Void) throws(YAMLEventReader.SyntaxError) -> ConfigNode? {
        try reader.read(streaming: ["residents", "devices"], visit: { key, index, node in
            if key == "residents" {
                if var resident = readResident(node, file: file, path: "residents[\(index)]", issues: &issues) {
                    if !positions {
                        resident.origins = FieldOrigins()
                        for relative in resident.relatives.indices { resident.relatives[relative].origins = FieldOrigins() }
                    }
                    entries(.resident(resident))
                }
            } else if var device = readDevice(node, file: file, path: "devices[\(index)]", issues: &issues) {
                if !positions { device.origins = FieldOrigins() }
                entries(.device(device))
            }
        })
    }

    private static func fileError(_ error: any Error, file: String) -> ConfigFileError {
        guard let error = error as? YAMLEventReader.SyntaxError else {
            return .syntax(SourceLocation(file: file, line: 1, column: 1), "not valid YAML")
        }
        return switch error.kind {
        case .syntax: .syntax(error.location, "invalid YAML: \(error.message)")
        case .notUTF8: .unreadable(file: file, reason: "file is not UTF-8 text")
        case .unreadable: .unreadable(file: file, reason: "cannot read the file (permissions, or not a regular file)")
        }
    }

    /// `include: [devices.d/*.yaml]`: fleet files (only `residents` and `devices`) beside the site configuration,
    /// matched relative to its directory, in name order. Each is read like the main file, with its own
    /// file:line:column; a pattern that matches nothing is an error (a fleet must not vanish silently).
    private static func readIncludes(_ top: YAMLRecord, file: String, positions: Bool, issues: inout [ValidationIssue],
                                     entries: (FleetEntry) -> Void) throws(ConfigFileError) {
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
                guard let root = try readDocument(.file(path), file: path, positions: positions, issues: &issues, entries: entries)
                else { continue }
                // Only fleets here: the site configuration stays in one place.
                if let fleet = YAMLRecord(root, file: path, path: "", allowedKeys: ["residents", "devices"], issues: &issues) {
                    _ = fleet.sequence("residents", issues: &issues)
                    _ = fleet.sequence("devices", issues: &issues)
                }
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

private extension FleetValidator {
    mutating func add(_ entry: RegistryLoader.FleetEntry) {
        switch entry {
        case let .resident(resident): add(resident)
        case let .device(device): add(device)
        }
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
