import DeviceModel
import Foundation
import Testing
@testable import GatewayRuntime

/// A reload reads the new devices.yaml validating each resident and device as it comes: an entry wrong anywhere
/// (here a wristband naming a resident the file never writes, known only once all of it is read) refuses the reload
/// with its file:line:column and the configuration in force stays; the same device whose resident is written after
/// it (in an included fleet file) swaps in.
@Suite struct ConfigReloadTests {
    @Test func aFleetEntryWrongAnywhereKeepsTheConfigurationInForce() async throws {
        let directory = try TemporaryDirectory.make(prefix: "reload-fleet")
        let path = directory.appendingPathComponent("devices.yaml").path
        try TestRegistry.yaml.write(toFile: path, atomically: true, encoding: .utf8)
        let running = try RunningGateway(broker: "mqtt://127.0.0.1:1", databasePath: directory.appendingPathComponent("g.sqlite").path,
                                         configuration: try RegistryLoader.loadConfiguration(path: path),
                                         configure: { $0.configPath = path })
        let gateway = running.gateway
        let devicesBefore = gateway.alerts.host.registry.devices.keys

        let band9 = "  - {id: band-9, type: wristband, community: xingfuli, grid: \"330106005001\", building: \"5\", vendor: V, model: M, "
            + "serial: S99, installer: inst-wang, resident: res-9}\n"
        let broken = TestRegistry.yaml.replacingOccurrences(of: "\ndevices:\n", with: "\ndevices:\n" + band9)
        try broken.write(toFile: path, atomically: true, encoding: .utf8)
        let lines = broken.split(separator: "\n", omittingEmptySubsequences: false)
        let line = try #require(lines.firstIndex { $0.contains("band-9") })
        let column = try #require(lines[line].range(of: "res-9")).lowerBound.utf16Offset(in: lines[line]) + 1
        guard case let .refused(issues) = await gateway.reload(actor: "test") else {
            Issue.record("a file with an unknown resident was swapped in")
            return
        }
        #expect(issues.map(\.description) == ["\(path):\(line + 1):\(column): error: devices[0].resident: unknown resident \"res-9\""])
        #expect(gateway.alerts.host.registry.devices.keys == devicesBefore)
        #expect(gateway.alerts.host.configuration.registry.device("band-9") == nil)

        // The resident written after the device that names it, in a fleet file the site includes: valid.
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("fleet"), withIntermediateDirectories: true)
        try """
            residents:
              - {id: res-9, name: 王芳, community: xingfuli, building: "5", room: "302", relatives: [{name: 王强, relation: 儿子, phone: "13812349999"}]}
            """.write(toFile: directory.appendingPathComponent("fleet/residents.yaml").path, atomically: true, encoding: .utf8)
        try (broken + "\ninclude: [fleet/*.yaml]\n").write(toFile: path, atomically: true, encoding: .utf8)
        guard case .reloaded = await gateway.reload(actor: "test") else {
            Issue.record("a valid file was refused")
            return
        }
        #expect(gateway.alerts.host.registry.device("band-9")?.resident == "res-9")
        #expect(gateway.alerts.host.registry.resident("res-9") != nil)
        #expect(gateway.alerts.host.registry.devices.count == devicesBefore.count + 1)
    }
}
