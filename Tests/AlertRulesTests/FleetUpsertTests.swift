import DeviceModel
import Testing
@testable import AlertRules

/// Many devices at once (a fleet import): the same outcome as one upsert each — timers from the import, alerts of
/// decommissioned devices resolved — with nothing persisted for timers that only say "not heard from yet".
@Suite("Fleet upserts")
struct FleetUpsertTests {
    static let start = Fixture.t0
    static let offline10m = AbsenceRuleTests.offline10m

    @Test("imported devices start their timers at the import; an imported decommissioning resolves alerts")
    func bulk() throws {
        var engine = try Fixture.engine([Self.offline10m], startedAt: Self.start)
        #expect(engine.tick(now: Self.start + 600_000).map(\.alert.device).sorted() == ["wb-1", "wb-2"])
        let importedAt = Self.start + 86_400_000
        let band = try #require(engine.registry.device("wb-1"))
        let fleet = (0..<1000).map { index in
            var device = band
            device.id = "wb-import-\(index)"
            device.serial = "SN-import-\(index)"
            return device
        }
        var gone = try #require(engine.registry.device("wb-2"))
        gone.state = .decommissioned
        _ = engine.takeChangedKeys()
        let revision = engine.registryRevision
        let transitions = engine.upsert(devices: fleet + [gone], now: importedAt, actor: "installer-app")
        #expect(transitions.map(\.alert.device) == ["wb-2"] && transitions.first?.reason == "device decommissioned")
        #expect(engine.registryRevision > revision && engine.registry.devices.count >= 1002)
        #expect(engine.state.keys.keys.allSatisfy { $0.scope != "device:wb-2" })
        // The import's timers are memory only: nothing for the store but the decommissioned device's forgotten keys.
        #expect(engine.takeChangedKeys().keys.allSatisfy { $0.scope == "device:wb-2" })
        #expect(engine.tick(now: importedAt + 599_999).allSatisfy { !$0.alert.device.hasPrefix("wb-import-") })
        let due = engine.tick(now: importedAt + 600_000).map(\.alert.device)
        #expect(due.count == 1000 && due == due.sorted(), "scanned in id order")
    }
}
