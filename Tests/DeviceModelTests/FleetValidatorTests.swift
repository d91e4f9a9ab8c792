import Testing
@testable import DeviceModel

/// ``FleetValidator``: residents and devices validated one at a time, as a file is read. With a context the
/// references are checked as each entry comes; without one (the site sections may come after the entries) they
/// are checked on the finished records — a fleet is valid one way exactly when it is valid the other.
@Suite("FleetValidator")
struct FleetValidatorTests {
    /// `draft` validated as a file read once is: entries first, without a context, then the site sections.
    private func validateStreaming(_ draft: RegistryDraft) throws(ValidationFailure) -> DeviceRegistry {
        var fleet = FleetValidator()
        for resident in draft.residents { fleet.add(resident) }
        for device in draft.devices { fleet.add(device) }
        var site = draft
        site.residents = []
        site.devices = []
        return try RegistryValidator().validate(site: site, fleet: fleet)
    }

    private func streamingIssues(_ draft: RegistryDraft) -> [ValidationIssue] {
        do {
            _ = try validateStreaming(draft)
            return []
        } catch {
            return error.issues
        }
    }

    @Test("a valid fleet makes the same registry without a context as with one")
    func sameRegistry() throws {
        let streamed = try validateStreaming(Fixture.draft())
        let whole = try Fixture.registry()
        #expect(streamed.devices.values == whole.devices.values)
        #expect(streamed.residents.values == whole.residents.values)
        #expect(streamed.resident(Fixture.resident)?.relatives.count == 1)
    }

    @Test("without a context, what entries refer to is checked once the fleet is complete", arguments: [
        ("resident", "unknown resident \"nobody\""),
        ("community", "unknown community \"c9\""),
        ("grid", "grid \"999999\" is not a grid of community \"c1\""),
        ("installer", "unknown installer \"inst-9\""),
        ("lives elsewhere", "resident \"r2\" lives in community \"c2\", not \"c1\""),
    ])
    func deferredReferences(fault: String, message: String) {
        var device = Fixture.deviceDraft(id: "wb-9", type: "wristband", resident: Fixture.resident)
        switch fault {
        case "resident": device.resident = "nobody"
        case "community":
            device = Fixture.deviceDraft(id: "smoke-9", type: "smoke_sensor")
            device.community = "c9"
        case "grid": device.grid = "999999"
        case "installer": device.installer = "inst-9"
        default: device.resident = Fixture.otherResident
        }
        let draft = Fixture.draft(adding: device)
        #expect(streamingIssues(draft).map(\.message) == [message])
        // With a context (and positions, when the file is read again) the same issue, at the entry's path.
        #expect(Fixture.issues(draft).map(\.message) == [message])
        #expect(Fixture.issues(draft).first?.path.hasPrefix("devices[4].") == true)
    }

    @Test("a resident of an unknown community, and a binding to an unmapped product, are found at the end too")
    func deferredResidentAndProduct() {
        var draft = Fixture.draft()
        draft.residents.append(Fixture.residentDraft(id: "r3", community: "c9"))
        var device = Fixture.deviceDraft(id: "wb-9", type: "wristband", resident: Fixture.resident)
        device.binding = BindingDraft(vendorProtocol: "alink", product: "nope", name: "DN9")
        draft.devices.append(device)
        let messages = Set(streamingIssues(draft).map(\.message))
        #expect(messages == ["unknown community \"c9\"",
                             "no alink product \"nope\" in `vendor_products`: add its thing-model mapping"])
        #expect(Set(Fixture.issues(draft).map(\.message)) == messages)
    }

    @Test("duplicates are found as entries come, against what came before")
    func duplicatesAsTheyCome() {
        var draft = Fixture.draft()
        draft.residents.append(Fixture.residentDraft())
        var sameSerial = Fixture.deviceDraft(id: "smoke-2", type: "smoke_sensor")
        sameSerial.serial = "SN-\(Fixture.smokeSensor)"
        sameSerial.vendor = "ACME"
        // An entry that is not valid still holds its id: a later one with it is a duplicate.
        var invalid = Fixture.deviceDraft(id: "gas-2", type: "gas_sensor")
        invalid.state = "broken"
        draft.devices += [sameSerial, invalid, Fixture.deviceDraft(id: "gas-2", type: "gas_sensor"),
                          Fixture.deviceDraft(id: Fixture.wristband, type: "wristband", resident: Fixture.resident)]
        let expected: Set<String> = [
            "residents[2].id: duplicate resident id \"r1\"",
            "devices[4].serial: serial \"SN-smoke-1\" of vendor \"ACME\" is already registered as device \"smoke-1\"",
            "devices[5].state: unknown commissioning state \"broken\" (expected one of: registered, commissioned, decommissioned)",
            "devices[6].id: duplicate device id \"gas-2\"",
            "devices[7].id: duplicate device id \"wb-1\"",
        ]
        #expect(Set(streamingIssues(draft).map { "\($0.path): \($0.message)" }) == expected)
        #expect(Set(Fixture.issues(draft).map { "\($0.path): \($0.message)" }) == expected)
    }
}
