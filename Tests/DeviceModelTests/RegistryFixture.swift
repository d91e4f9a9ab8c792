@testable import DeviceModel

/// Drafts and a validated registry built in code, shared by the registry and ingest tests.
///
/// Community `c1` (grid `330106005001`) holds every device; community `c2` (grid `330106005002`) exists so
/// that residents and topics can point at the wrong community.
enum Fixture {
    static let gatewayID = "gw-test"
    static let community = "c1"
    static let grid = "330106005001"
    static let otherCommunity = "c2"
    static let otherGrid = "330106005002"
    static let installer = "inst-1"
    static let resident = "r1"
    static let otherResident = "r2"

    /// The gateway clock used by every ingest test, epoch milliseconds.
    static let now: Int64 = 1_763_900_000_000

    // Devices of the valid registry.
    static let wristband = "wb-1"
    static let smokeSensor = "smoke-1"
    static let accessTerminal = "door-1"
    static let decommissionedGasSensor = "gas-9"

    static func communityDraft(id: String = community, grids: [String] = [grid]) -> CommunityDraft {
        var draft = CommunityDraft()
        draft.id = id
        draft.name = "Community \(id)"
        draft.address = "1 Test Road"
        draft.street = "Test Street Office"
        draft.grids = grids.enumerated().map { index, code in
            var grid = GridDraft()
            grid.code = code
            grid.name = "Grid \(index + 1)"
            return grid
        }
        return draft
    }

    static func installerDraft(id: String = installer, phone: String? = "139 5712 3456") -> InstallerDraft {
        var draft = InstallerDraft()
        draft.id = id
        draft.name = "Installer \(id)"
        draft.phone = phone
        return draft
    }

    static func relativeDraft(
        phone: String? = "13957123456", channels: [String]? = nil, wechatOpenID: String? = nil, notify: String? = nil
    ) -> RelativeDraft {
        var draft = RelativeDraft()
        draft.name = "Relative"
        draft.relation = "daughter"
        draft.phone = phone
        draft.channels = channels
        draft.wechatOpenID = wechatOpenID
        draft.notify = notify
        return draft
    }

    static func residentDraft(
        id: String = resident, community: String = community, relatives: [RelativeDraft] = [relativeDraft()]
    ) -> ResidentDraft {
        var draft = ResidentDraft()
        draft.id = id
        draft.name = "Resident \(id)"
        draft.community = community
        draft.building = "3"
        draft.unit = "2"
        draft.room = "501"
        draft.livesAlone = "true"
        draft.relatives = relatives
        return draft
    }

    static func deviceDraft(
        id: String, type: String, community: String = community, grid: String = grid, resident: String? = nil,
        state: String? = nil, reportInterval: String? = nil
    ) -> DeviceDraft {
        var draft = DeviceDraft()
        draft.id = id
        draft.type = type
        draft.community = community
        draft.grid = grid
        draft.vendor = "Acme"
        draft.model = "M-1"
        draft.serial = "SN-\(id)"
        draft.installer = installer
        draft.state = state
        draft.resident = resident
        draft.building = "3"
        draft.room = "501"
        draft.reportInterval = reportInterval
        return draft
    }

    /// A valid registry draft: two communities, one installer, two residents, four devices.
    static func draft() -> RegistryDraft {
        var draft = RegistryDraft()
        draft.gatewayID = gatewayID
        draft.communities = [communityDraft(), communityDraft(id: otherCommunity, grids: [otherGrid])]
        draft.installers = [installerDraft()]
        draft.residents = [residentDraft(), residentDraft(id: otherResident, community: otherCommunity)]
        draft.devices = [
            deviceDraft(id: wristband, type: "wristband", resident: resident),
            deviceDraft(id: smokeSensor, type: "smoke_sensor"),
            deviceDraft(id: accessTerminal, type: "access_terminal"),
            deviceDraft(id: decommissionedGasSensor, type: "gas_sensor", state: "decommissioned"),
        ]
        return draft
    }

    static func registry() throws -> DeviceRegistry {
        try RegistryValidator().validate(draft())
    }

    /// The issues validating `draft` reports, or `[]` when it validates.
    static func issues(_ draft: RegistryDraft) -> [ValidationIssue] {
        do {
            _ = try RegistryValidator().validate(draft)
            return []
        } catch {
            return error.issues
        }
    }

    /// The valid draft with one more device appended.
    static func draft(adding device: DeviceDraft) -> RegistryDraft {
        var draft = draft()
        draft.devices.append(device)
        return draft
    }
}
