import Testing
@testable import DeviceModel

private typealias Location = DeviceModel.SourceLocation

/// Index of a device appended to ``Fixture/draft()``: the valid draft holds four devices.
private let added = "devices[4]"

/// The one issue `draft` reports; records an issue when there is not exactly one.
private func singleIssue(_ draft: RegistryDraft, sourceLocation: Testing.SourceLocation = #_sourceLocation)
    -> ValidationIssue? {
    let issues = Fixture.issues(draft)
    #expect(issues.count == 1, "\(issues)", sourceLocation: sourceLocation)
    return issues.first
}

/// The one issue validating one device against `registry` reports.
private func deviceIssues(_ draft: DeviceDraft, in registry: DeviceRegistry, replacing: String? = nil)
    -> [ValidationIssue] {
    do {
        _ = try RegistryValidator().validateDevice(draft, in: registry, replacing: replacing)
        return []
    } catch {
        return error.issues
    }
}

@Suite("RegistryValidator")
struct RegistryValidatorTests {
    // MARK: - A valid registry

    @Test("a valid registry validates, with defaults applied and phones normalised")
    func validRegistry() throws {
        let registry = try Fixture.registry()
        #expect(registry.gatewayID == Fixture.gatewayID)
        #expect(registry.communities.count == 2)
        #expect(registry.installers.count == 1)
        #expect(registry.residents.count == 2)
        #expect(registry.devices.count == 4)
        #expect(registry.sortedDevices.map(\.id) == ["door-1", "gas-9", "smoke-1", "wb-1"])

        #expect(registry.community("c1")?.grid(Fixture.grid)?.name == "Grid 1")
        #expect(registry.community("c1")?.street == "Test Street Office")
        #expect(registry.installers[Fixture.installer]?.phone == "13957123456")

        let resident = try #require(registry.resident(Fixture.resident))
        #expect(resident.community == "c1")
        #expect(resident.livesAlone)
        #expect(resident.unit == "2")
        #expect(resident.relatives.count == 1)
        #expect(resident.relatives.first?.channels == [.sms])
        #expect(resident.relatives.first?.notify == .critical)

        let wristband = try #require(registry.device(Fixture.wristband))
        #expect(wristband.type == .wristband)
        #expect(wristband.community == "c1")
        #expect(wristband.grid == Fixture.grid)
        #expect(wristband.resident == Fixture.resident)
        #expect(wristband.state == .registered)
        #expect(wristband.reportIntervalSeconds == 300)
        #expect(wristband.location == DeviceLocation(building: "3", room: "501"))

        #expect(registry.device(Fixture.smokeSensor)?.reportIntervalSeconds == 3600)
        #expect(registry.device(Fixture.smokeSensor)?.resident == nil)
        #expect(registry.device(Fixture.accessTerminal)?.reportIntervalSeconds == 600)
        #expect(registry.device(Fixture.decommissionedGasSensor)?.state == .decommissioned)
        #expect(registry.device("nope") == nil)
    }

    @Test("optional details are optional: zone-only location, no installer phone, wechat-only relative")
    func optionalDetails() throws {
        var draft = Fixture.draft()
        draft.installers[0].phone = nil
        draft.residents[0].relatives = [Fixture.relativeDraft(phone: nil, channels: ["wechat"], wechatOpenID: "oXyZ",
                                                              notify: "all")]
        draft.residents[0].livesAlone = "no"
        var camera = Fixture.deviceDraft(id: "cam-1", type: "video_analytics")
        camera.building = nil
        camera.room = nil
        camera.zone = "fire lane"
        draft.devices.append(camera)

        let registry = try RegistryValidator().validate(draft)
        #expect(registry.installers[Fixture.installer]?.phone == nil)
        let relative = try #require(registry.resident(Fixture.resident)?.relatives.first)
        #expect(relative.channels == [.wechat])
        #expect(relative.wechatOpenID == "oXyZ")
        #expect(relative.notify == .all)
        #expect(registry.resident(Fixture.resident)?.livesAlone == false)
        #expect(registry.device("cam-1")?.location == DeviceLocation(zone: "fire lane"))
        #expect(registry.device("cam-1")?.reportIntervalSeconds == 600)
    }

    // MARK: - Collecting

    @Test("all issues are collected at once")
    func collectsAll() {
        var draft = Fixture.draft()
        draft.installers[0].phone = "12345"
        draft.devices.append(Fixture.deviceDraft(id: "t-1", type: "toaster"))
        draft.devices.append(Fixture.deviceDraft(id: "s-2", type: "smoke_sensor", grid: "999999"))

        let issues = Fixture.issues(draft)
        #expect(issues.count == 3, "\(issues)")
        #expect(Set(issues.map(\.path)) == ["installers[0].phone", "devices[4].type", "devices[5].grid"])
    }

    @Test("issues with a location come first, in file order; the rest follow by path")
    func ordering() {
        var draft = Fixture.draft()
        draft.installers[0].phone = "12345"                     // no location
        var device = Fixture.deviceDraft(id: "x-1", type: "wristbnd", grid: "999999")
        device.installer = nil
        device.origins = FieldOrigins(
            record: Location(file: "devices.yaml", line: 40, column: 5),
            fields: [
                "type": Location(file: "devices.yaml", line: 42, column: 11),
                "grid": Location(file: "devices.yaml", line: 44, column: 11),
            ]
        )
        draft.devices.append(device)
        draft.communities[1].grids[0].code = "12AB"             // no location; path communities[1]…

        let issues = Fixture.issues(draft)
        #expect(issues.map(\.path) == [
            "devices[4].installer", "devices[4].type", "devices[4].grid",
            "communities[1].grids[0].code", "installers[0].phone",
        ])
    }

    // MARK: - Locations

    @Test("an issue carries the location of the field at fault, else of the record")
    func fieldLocations() throws {
        var device = Fixture.deviceDraft(id: "x-1", type: "wristbnd", grid: "999999")
        device.installer = nil
        let record = Location(file: "devices.yaml", line: 40, column: 5)
        let typeLocation = Location(file: "devices.yaml", line: 42, column: 11)
        let gridLocation = Location(file: "devices.yaml", line: 44, column: 11)
        device.origins = FieldOrigins(record: record, fields: ["type": typeLocation, "grid": gridLocation])

        let issues = Fixture.issues(Fixture.draft(adding: device))
        #expect(issues.count == 3, "\(issues)")
        let byPath = Dictionary(uniqueKeysWithValues: issues.map { ($0.path, $0) })

        let type = try #require(byPath["devices[4].type"])
        #expect(type.location == typeLocation)
        #expect(type.description.hasPrefix(#"devices.yaml:42:11: error: devices[4].type: unknown device type "wristbnd""#))
        #expect(byPath["devices[4].grid"]?.location == gridLocation)
        // The key is absent, so the issue points at the record.
        #expect(byPath["devices[4].installer"]?.location == record)
        #expect(byPath["devices[4].installer"]?.message == "`installer` is required")
    }

    @Test("a relative's issue carries the relative's field location")
    func relativeLocation() throws {
        var draft = Fixture.draft()
        var relative = Fixture.relativeDraft(phone: "555-1234")
        let phoneLocation = Location(file: "residents.yaml", line: 7, column: 16)
        relative.origins = FieldOrigins(record: Location(file: "residents.yaml", line: 5, column: 9),
                                        fields: ["phone": phoneLocation])
        draft.residents[0].relatives = [relative]

        let issue = try #require(singleIssue(draft))
        #expect(issue.location == phoneLocation)
        #expect(issue.path == "residents[0].relatives[0].phone")
        #expect(issue.description == "residents.yaml:7:16: error: residents[0].relatives[0].phone: "
            + "not a mainland mobile number (11 digits starting 13–19)")
    }

    @Test("records built in code have no location")
    func noLocation() throws {
        let issue = try #require(singleIssue(Fixture.draft(adding: Fixture.deviceDraft(id: "t-1", type: "toaster"))))
        #expect(issue.location == nil)
        #expect(issue.description.hasPrefix("error: devices[4].type: "))
    }

    // MARK: - Devices

    @Test("duplicate device id")
    func duplicateDeviceID() throws {
        var duplicate = Fixture.deviceDraft(id: Fixture.wristband, type: "smoke_sensor")
        duplicate.serial = "SN-other"
        let issue = try #require(singleIssue(Fixture.draft(adding: duplicate)))
        #expect(issue.path == "devices[4].id")
        #expect(issue.message == #"duplicate device id "wb-1""#)
    }

    @Test("duplicate serial of one vendor, whatever the vendor's case")
    func duplicateSerial() throws {
        var device = Fixture.deviceDraft(id: "smoke-2", type: "smoke_sensor")
        device.serial = "SN-\(Fixture.smokeSensor)"
        device.vendor = "ACME"
        let issue = try #require(singleIssue(Fixture.draft(adding: device)))
        #expect(issue.path == "devices[4].serial")
        #expect(issue.message.contains(#"is already registered as device "smoke-1""#))
    }

    @Test("the same serial from another vendor is fine")
    func sameSerialOtherVendor() {
        var device = Fixture.deviceDraft(id: "smoke-2", type: "smoke_sensor")
        device.serial = "SN-\(Fixture.smokeSensor)"
        device.vendor = "Other Co"
        #expect(Fixture.issues(Fixture.draft(adding: device)).isEmpty)
    }

    @Test("invalid device id", arguments: ["wb/2", "wb+2", "#", "-wb", String(repeating: "d", count: 65)])
    func invalidDeviceID(_ id: String) throws {
        let issue = try #require(singleIssue(Fixture.draft(adding: Fixture.deviceDraft(id: id, type: "smoke_sensor"))))
        #expect(issue.path == "\(added).id")
        #expect(issue.message.hasPrefix(#"id "\#(id)" must be 1–64 ASCII letters"#))
    }

    @Test("a near-miss type gets a suggestion", arguments: [
        ("wristbnd", "wristband"),
        ("smoke_senser", "smoke_sensor"),
        ("Mattress", "mattress"),
        ("fall-radar", "fall_radar"),
        ("gas_sensors", "gas_sensor"),
    ])
    func typeSuggestion(_ typo: String, _ suggestion: String) throws {
        let issue = try #require(singleIssue(Fixture.draft(adding: Fixture.deviceDraft(id: "x-1", type: typo))))
        #expect(issue.path == "\(added).type")
        #expect(issue.message.hasPrefix(#"unknown device type "\#(typo)" (did you mean "\#(suggestion)"?)"#))
        #expect(issue.message.contains("(expected one of: access_camera, access_terminal, wristband,"))
    }

    @Test("a far-off type gets no suggestion", arguments: ["toaster", "thermostat", "camera"])
    func typeWithoutSuggestion(_ type: String) throws {
        let issue = try #require(singleIssue(Fixture.draft(adding: Fixture.deviceDraft(id: "x-1", type: type))))
        #expect(!issue.message.contains("did you mean"))
        #expect(issue.message.hasPrefix(#"unknown device type "\#(type)" (expected one of: "#))
    }

    @Test("an elderly monitor needs a resident", arguments: [DeviceType.wristband, .mattress, .fallRadar, .sosPendant])
    func missingResident(_ type: DeviceType) throws {
        let device = Fixture.deviceDraft(id: "x-1", type: type.rawValue)
        let issue = try #require(singleIssue(Fixture.draft(adding: device)))
        #expect(issue.path == "\(added).resident")
        #expect(issue.message == "a \(type.rawValue) watches a resident: add `resident: <resident id>`")
    }

    @Test("an elderly monitor's resident must exist")
    func unknownResident() throws {
        let device = Fixture.deviceDraft(id: "x-1", type: "mattress", resident: "ghost")
        let issue = try #require(singleIssue(Fixture.draft(adding: device)))
        #expect(issue.path == "\(added).resident")
        #expect(issue.message == #"unknown resident "ghost""#)
    }

    @Test("an elderly monitor's resident must live in the device's community")
    func residentElsewhere() throws {
        let device = Fixture.deviceDraft(id: "x-1", type: "wristband", resident: Fixture.otherResident)
        let issue = try #require(singleIssue(Fixture.draft(adding: device)))
        #expect(issue.path == "\(added).resident")
        #expect(issue.message == #"resident "r2" lives in community "c2", not "c1""#)
    }

    @Test("a resident whose own record is invalid still satisfies the device reference")
    func invalidResidentNoCascade() throws {
        var draft = Fixture.draft()
        draft.residents[0].room = nil
        let issue = try #require(singleIssue(draft))
        #expect(issue.path == "residents[0].room")
    }

    @Test("only elderly monitors watch a resident", arguments: DeviceType.allCases.filter { !$0.watchesResident })
    func residentOnOtherFamily(_ type: DeviceType) throws {
        let device = Fixture.deviceDraft(id: "x-1", type: type.rawValue, resident: Fixture.resident)
        let issue = try #require(singleIssue(Fixture.draft(adding: device)))
        #expect(issue.path == "\(added).resident")
        #expect(issue.message == "only elderly-care monitors watch a resident, not a \(type.rawValue)")
    }

    @Test("unknown installer")
    func unknownInstaller() throws {
        var device = Fixture.deviceDraft(id: "x-1", type: "smoke_sensor")
        device.installer = "ghost"
        let issue = try #require(singleIssue(Fixture.draft(adding: device)))
        #expect(issue.path == "\(added).installer")
        #expect(issue.message == #"unknown installer "ghost""#)
    }

    @Test("the grid must belong to the device's community", arguments: ["999999", Fixture.otherGrid])
    func gridNotInCommunity(_ grid: String) throws {
        let device = Fixture.deviceDraft(id: "x-1", type: "smoke_sensor", grid: grid)
        let issue = try #require(singleIssue(Fixture.draft(adding: device)))
        #expect(issue.path == "\(added).grid")
        #expect(issue.message == #"grid "\#(grid)" is not a grid of community "c1""#)
    }

    @Test("an unknown community is reported once, not also as a grid mismatch")
    func unknownCommunity() throws {
        let device = Fixture.deviceDraft(id: "x-1", type: "smoke_sensor", community: "zz")
        let issue = try #require(singleIssue(Fixture.draft(adding: device)))
        #expect(issue.path == "\(added).community")
        #expect(issue.message == #"unknown community "zz""#)
    }

    @Test("a device needs a building or a zone")
    func missingLocation() throws {
        var device = Fixture.deviceDraft(id: "x-1", type: "smoke_sensor")
        device.building = nil
        let issue = try #require(singleIssue(Fixture.draft(adding: device)))
        #expect(issue.path == added)
        #expect(issue.message.hasPrefix("a device needs a location"))
    }

    @Test("required device fields", arguments: ["type", "community", "grid", "vendor", "model", "serial", "installer"])
    func requiredField(_ field: String) throws {
        var device = Fixture.deviceDraft(id: "x-1", type: "smoke_sensor")
        let value: String? = field == "serial" ? nil : ""    // absent and empty are both missing
        switch field {
        case "type": device.type = value
        case "community": device.community = value
        case "grid": device.grid = value
        case "vendor": device.vendor = value
        case "model": device.model = value
        case "serial": device.serial = value
        default: device.installer = value
        }
        let issue = try #require(singleIssue(Fixture.draft(adding: device)))
        #expect(issue.path == "\(added).\(field)")
        #expect(issue.message == "`\(field)` is required")
    }

    @Test("unknown commissioning state")
    func unknownState() throws {
        let device = Fixture.deviceDraft(id: "x-1", type: "smoke_sensor", state: "retired")
        let issue = try #require(singleIssue(Fixture.draft(adding: device)))
        #expect(issue.path == "\(added).state")
        #expect(issue.message == #"unknown commissioning state "retired" (expected one of: registered, commissioned, decommissioned)"#)
    }

    @Test("report intervals between 10s and 7d", arguments: [
        ("10s", 10), ("90", 90), ("5m", 300), (" 1h ", 3600), ("7d", 604_800), ("604800", 604_800),
    ])
    func goodReportInterval(_ text: String, _ seconds: Int) throws {
        let device = Fixture.deviceDraft(id: "x-1", type: "smoke_sensor", reportInterval: text)
        let registry = try RegistryValidator().validate(Fixture.draft(adding: device))
        #expect(registry.device("x-1")?.reportIntervalSeconds == seconds)
    }

    @Test("bad report intervals", arguments: ["9s", "5", "8d", "604801", "0", "-5m", "abc", "", "1.5h", "5 m"])
    func badReportInterval(_ text: String) throws {
        let device = Fixture.deviceDraft(id: "x-1", type: "smoke_sensor", reportInterval: text)
        let issue = try #require(singleIssue(Fixture.draft(adding: device)))
        #expect(issue.path == "\(added).report_interval")
        #expect(issue.message == #"report interval "\#(text)" must be a duration between 10s and 7d (e.g. 60s, 5m, 1h)"#)
    }

    // MARK: - Installers, residents, relatives

    @Test("bad installer phone", arguments: ["12345678901", "1506789", "call me", "+1 139 5712 3456"])
    func badInstallerPhone(_ phone: String) throws {
        var draft = Fixture.draft()
        draft.installers[0].phone = phone
        let issue = try #require(singleIssue(draft))
        #expect(issue.path == "installers[0].phone")
        #expect(issue.message == "not a mainland mobile number (11 digits starting 13–19)")
    }

    @Test("bad relative phone")
    func badRelativePhone() throws {
        var draft = Fixture.draft()
        draft.residents[0].relatives = [Fixture.relativeDraft(phone: "12345678901")]
        let issue = try #require(singleIssue(draft))
        #expect(issue.path == "residents[0].relatives[0].phone")
        #expect(issue.message.hasPrefix("not a mainland mobile number"))
    }

    @Test("relative phones are normalised")
    func relativePhoneNormalised() throws {
        var draft = Fixture.draft()
        draft.residents[0].relatives = [Fixture.relativeDraft(phone: "+86 139 5712 3456")]
        let registry = try RegistryValidator().validate(draft)
        #expect(registry.resident(Fixture.resident)?.relatives.first?.phone == "13957123456")
    }

    @Test("sms channel without a phone")
    func smsWithoutPhone() throws {
        var draft = Fixture.draft()
        draft.residents[0].relatives = [Fixture.relativeDraft(phone: nil, channels: ["sms"])]
        let issue = try #require(singleIssue(draft))
        #expect(issue.path == "residents[0].relatives[0].phone")
        #expect(issue.message == "channel sms needs a phone number")
    }

    @Test("wechat channel without an openid", arguments: [nil, ""] as [String?])
    func wechatWithoutOpenID(_ openID: String?) throws {
        var draft = Fixture.draft()
        draft.residents[0].relatives = [
            Fixture.relativeDraft(phone: "13957123456", channels: ["sms", "wechat"], wechatOpenID: openID),
        ]
        let issue = try #require(singleIssue(draft))
        #expect(issue.path == "residents[0].relatives[0].wechat_openid")
        #expect(issue.message == "channel wechat needs a wechat_openid")
    }

    @Test("a relative needs a channel", arguments: [nil, []] as [[String]?])
    func relativeWithoutChannel(_ channels: [String]?) throws {
        var draft = Fixture.draft()
        draft.residents[0].relatives = [Fixture.relativeDraft(phone: nil, channels: channels)]
        let issue = try #require(singleIssue(draft))
        #expect(issue.path == "residents[0].relatives[0].channels")
        #expect(issue.message.hasPrefix("a relative needs at least one channel"))
    }

    @Test("unknown relative channel and notify setting")
    func unknownChannelAndNotify() {
        var draft = Fixture.draft()
        draft.residents[0].relatives = [Fixture.relativeDraft(channels: ["sms", "email"], notify: "sometimes")]
        let issues = Fixture.issues(draft)
        #expect(issues.map(\.path) == ["residents[0].relatives[0].channels", "residents[0].relatives[0].notify"])
        #expect(issues.first?.message == #"unknown channel "email" (expected one of: sms, wechat)"#)
        #expect(issues.last?.message == #"unknown notify setting "sometimes" (expected one of: critical, all)"#)
    }

    @Test("a resident's community must exist")
    func residentUnknownCommunity() throws {
        var draft = Fixture.draft()
        draft.residents[1].community = "zz"
        let issue = try #require(singleIssue(draft))
        #expect(issue.path == "residents[1].community")
        #expect(issue.message == #"unknown community "zz""#)
    }

    @Test("lives_alone must be a boolean")
    func livesAlone() throws {
        var draft = Fixture.draft()
        draft.residents[0].livesAlone = "maybe"
        let issue = try #require(singleIssue(draft))
        #expect(issue.path == "residents[0].lives_alone")
        #expect(issue.message == #"expected true or false, found "maybe""#)
    }

    @Test("duplicate installer and resident ids")
    func duplicateInstallerAndResident() {
        var draft = Fixture.draft()
        draft.installers.append(Fixture.installerDraft())
        draft.residents.append(Fixture.residentDraft())
        let issues = Fixture.issues(draft)
        #expect(issues.map(\.path) == ["installers[1].id", "residents[2].id"])
        #expect(issues.first?.message == #"duplicate installer id "inst-1""#)
        #expect(issues.last?.message == #"duplicate resident id "r1""#)
    }

    // MARK: - Gateway and communities

    @Test("the gateway needs a valid id")
    func gatewayID() throws {
        var draft = Fixture.draft()
        draft.gatewayID = nil
        let missing = try #require(singleIssue(draft))
        #expect(missing.path == "gateway.id")
        #expect(missing.message == "`id` is required")

        draft.gatewayID = "gw/1"
        let location = Location(file: "gateway.yaml", line: 2, column: 7)
        draft.gatewayOrigins = FieldOrigins(fields: ["id": location])
        let invalid = try #require(singleIssue(draft))
        #expect(invalid.path == "gateway.id")
        #expect(invalid.location == location)
        #expect(invalid.message.hasPrefix(#"id "gw/1" must be"#))
    }

    @Test("a community needs at least one grid")
    func communityWithoutGrids() throws {
        var draft = Fixture.draft()
        draft.communities.append(Fixture.communityDraft(id: "c3", grids: []))
        let issue = try #require(singleIssue(draft))
        #expect(issue.path == "communities[2].grids")
        #expect(issue.message == "a community needs at least one grid")
    }

    @Test("grid codes are 6 to 20 digits", arguments: ["12AB", "12345", String(repeating: "1", count: 21)])
    func badGridCode(_ code: String) throws {
        var draft = Fixture.draft()
        draft.communities.append(Fixture.communityDraft(id: "c3", grids: [code]))
        let issue = try #require(singleIssue(draft))
        #expect(issue.path == "communities[2].grids[0].code")
        #expect(issue.message == #"grid code "\#(code)" must be 6 to 20 digits"#)
    }

    @Test("a grid code belongs to one community")
    func duplicateGridCode() throws {
        var draft = Fixture.draft()
        draft.communities.append(Fixture.communityDraft(id: "c3", grids: ["330106005003", Fixture.grid]))
        let issue = try #require(singleIssue(draft))
        #expect(issue.path == "communities[2].grids[1].code")
        #expect(issue.message == #"duplicate grid code "330106005001" (already used by community "c1")"#)
    }

    @Test("duplicate community id")
    func duplicateCommunity() throws {
        var draft = Fixture.draft()
        draft.communities.append(Fixture.communityDraft(id: "c1", grids: ["330106005009"]))
        let issue = try #require(singleIssue(draft))
        #expect(issue.path == "communities[2].id")
        #expect(issue.message == #"duplicate community id "c1""#)
    }

    // MARK: - validateDevice(_:in:)

    @Test("validateDevice accepts a new device against the registry")
    func validateNewDevice() throws {
        let registry = try Fixture.registry()
        let device = try RegistryValidator().validateDevice(
            Fixture.deviceDraft(id: "wb-2", type: "wristband", resident: Fixture.resident, reportInterval: "1m"),
            in: registry
        )
        #expect(device.id == "wb-2")
        #expect(device.type == .wristband)
        #expect(device.resident == Fixture.resident)
        #expect(device.reportIntervalSeconds == 60)
    }

    @Test("validateDevice rejects an id already registered")
    func validateExistingID() throws {
        let registry = try Fixture.registry()
        let issues = deviceIssues(Fixture.deviceDraft(id: Fixture.smokeSensor, type: "smoke_sensor"), in: registry)
        #expect(issues.map(\.path) == ["device.id"])
        #expect(issues.first?.message == #"duplicate device id "smoke-1""#)
    }

    @Test("validateDevice accepts the existing id it is replacing")
    func validateReplacing() throws {
        let registry = try Fixture.registry()
        var draft = Fixture.deviceDraft(id: Fixture.smokeSensor, type: "smoke_sensor", state: "commissioned")
        draft.zone = "stairwell"
        let device = try RegistryValidator().validateDevice(draft, in: registry, replacing: Fixture.smokeSensor)
        #expect(device.id == Fixture.smokeSensor)
        #expect(device.state == .commissioned)
        #expect(device.location.zone == "stairwell")
    }

    @Test("replacing one device does not allow taking another's id")
    func validateReplacingOther() throws {
        let registry = try Fixture.registry()
        let issues = deviceIssues(Fixture.deviceDraft(id: Fixture.smokeSensor, type: "smoke_sensor"), in: registry,
                                  replacing: Fixture.accessTerminal)
        #expect(issues.map(\.message) == [#"duplicate device id "smoke-1""#])
    }

    @Test("validateDevice checks references against the registry and uses `device` paths")
    func validateReferences() throws {
        let registry = try Fixture.registry()
        var draft = Fixture.deviceDraft(id: "wb-3", type: "wristband", grid: "999999", resident: Fixture.otherResident)
        draft.installer = "ghost"
        let issues = deviceIssues(draft, in: registry)
        #expect(Set(issues.map(\.path)) == ["device.grid", "device.installer", "device.resident"])
        #expect(issues.contains { $0.message == #"resident "r2" lives in community "c2", not "c1""# })

        let typo = deviceIssues(Fixture.deviceDraft(id: "wb-4", type: "wristbnd"), in: registry)
        #expect(typo.map(\.path) == ["device.type"])
        #expect(typo.first?.message.contains(#"did you mean "wristband"?"#) == true)
    }

    @Test(
        "validateDevice reports a duplicate id together with the draft's other issues")
    func validateExistingIDWithOtherIssues() throws {
        let registry = try Fixture.registry()
        let issues = deviceIssues(Fixture.deviceDraft(id: Fixture.smokeSensor, type: "smoke_sensor", grid: "999999"),
                                  in: registry)
        #expect(Set(issues.map(\.path)) == ["device.id", "device.grid"])
    }

    @Test(
        "validateDevice refuses a vendor serial already registered to another device, as validate does")
    func validateDuplicateSerial() throws {
        let registry = try Fixture.registry()
        var draft = Fixture.deviceDraft(id: "smoke-2", type: "smoke_sensor")
        draft.serial = "SN-\(Fixture.smokeSensor)"
        let issues = deviceIssues(draft, in: registry)
        #expect(issues.map(\.path) == ["device.serial"])
        // Replacing a device keeps its own serial.
        var same = Fixture.deviceDraft(id: Fixture.smokeSensor, type: "smoke_sensor")
        same.serial = "SN-\(Fixture.smokeSensor)"
        #expect(deviceIssues(same, in: registry, replacing: Fixture.smokeSensor).isEmpty)
    }
}
