import DeviceModel
import Foundation
import Testing
@testable import GatewayRuntime

@Suite struct RegistryLoaderTests {
    static let sampleFile = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("devices.yaml").path

    @Test func theSampleDeploymentIsValidAndRealistic() throws {
        let registry = try RegistryLoader.load(path: Self.sampleFile)
        #expect(registry.communities.count >= 2)
        #expect(registry.devices.count >= 25)
        let families = Set(registry.devices.values.map(\.type.family))
        #expect(families == Set(DeviceFamily.allCases))
        #expect(Set(registry.devices.values.map(\.type)) == Set(DeviceType.allCases))
        #expect(registry.residents.values.allSatisfy { !$0.relatives.isEmpty })
        for device in registry.devices.values where device.type.watchesResident {
            #expect(registry.resident(device.resident ?? "") != nil)
        }
    }

    @Test func everyErrorIsReportedWithItsLineAndColumn() throws {
        let yaml = """
            gateway:
              id: gw-1
            communities:
              - id: c1
                name: 社区
                address: 地址
                grids:
                  - {code: "330106005001", name: 网格}
            installers:
              - {id: inst, name: 王}
            residents:
              - id: r1
                name: 张三
                community: c1
                building: "1"
                room: "101"
                relatives:
                  - {name: 李四, relation: 儿子, phone: "1380013"}
            devices:
              - {id: d1, type: wristband, community: c1, grid: "330106005001", building: "1", vendor: V, model: M, serial: S1, installer: inst, resident: r1}
              - {id: d1, type: smoke_sensor, community: c1, grid: "330106005001", zone: z, vendor: V, model: M, serial: S2, installer: inst}
              - {id: d3, type: wristbnd, community: c1, grid: "330106005001", zone: z, vendor: V, model: M, serial: S3, installer: inst}
              - {id: d4, type: mattress, community: c1, grid: "330106005001", zone: z, vendor: V, model: M, serial: S4, installer: inst}
              - id: d5
                type: smoke_sensor
                comunity: c1
            """
        let error = #expect(throws: ConfigFileError.self) { try RegistryLoader.parse(yaml, file: "bad.yaml") }
        let lines = error?.issues.map(\.description) ?? []
        #expect(lines.contains("bad.yaml:18:41: error: residents[0].relatives[0].phone: not a mainland mobile number (11 digits starting 13–19)"))
        #expect(lines.contains { $0.hasPrefix("bad.yaml:21:10: error: devices[1].id: duplicate device id \"d1\"") })
        #expect(lines.contains { $0.hasPrefix("bad.yaml:22:20: error: devices[2].type: unknown device type \"wristbnd\" (did you mean \"wristband\"?)") })
        #expect(lines.contains { $0.hasPrefix("bad.yaml:23:5: error: devices[3].resident: a mattress watches a resident") })
        #expect(lines.contains { $0.hasPrefix("bad.yaml:26:5: error: devices[4].comunity: unknown key `comunity` (did you mean `community`?)") })
        #expect(lines.count >= 5)
    }

    @Test func aYAMLSyntaxErrorSaysWhere() {
        let error = #expect(throws: ConfigFileError.self) {
            try RegistryLoader.parse("gateway:\n  id: [gw\ndevices: []\n", file: "broken.yaml")
        }
        guard case let .syntax(location, message)? = error else {
            Issue.record("expected a syntax error, got \(String(describing: error))")
            return
        }
        #expect(location.file == "broken.yaml")
        #expect(location.line == 3)
        #expect(message.hasPrefix("invalid YAML"))
    }

    @Test func aMissingFileIsAClearError() {
        let error = #expect(throws: ConfigFileError.self) { try RegistryLoader.load(path: "/nonexistent/devices.yaml") }
        #expect(error?.description == "/nonexistent/devices.yaml: error: no such file")
    }

    @Test func anEmptyFileIsAnError() {
        #expect(throws: ConfigFileError.self) { try RegistryLoader.parse("", file: "empty.yaml") }
        #expect(throws: ConfigFileError.self) { try RegistryLoader.parse("- just\n- a list\n", file: "list.yaml") }
    }
}
