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

    @Test func ruleSectionErrorsSayWhere() throws {
        let yaml = """
            gateway: {id: gw-1}
            settings:
              utc_offset: "8"
              flap_guard: {openings: 1}
            rules:
              - id: hr.high
                title: 心率过高
                severity: urgent
                applies_to: [wristband]
                threshold: {metric: heart_rat, above: 120}
              - id: fall
                title: 跌倒
                severity: critical
                applies_to: [fall_radar]
                event: {names: fall_detected, resolve_on: [nothing_here]}
                escalaton: {community_after: 5m}
              - id: two
                title: 两个条件
                severity: info
                applies_to: [wristband]
                threshold: {metric: heart_rate, above: 120}
                absence: {of: any}
              - id: fall
                title: 重复
                severity: info
                applies_to: [fall_radar]
                sustained: {metric: heart_rate, above: 1}
            silences:
              - {rule: nope, from: "2026-11-20T09:00:00+08:00", until: "2026-11-20T08:00:00+08:00"}
            """
        let error = #expect(throws: ConfigFileError.self) { try RegistryLoader.parse(yaml, file: "rules.yaml") }
        let lines = error?.issues.map(\.description) ?? []
        #expect(lines.contains("rules.yaml:3:15: error: settings.utc_offset: expected an offset like +08:00, found \"8\""))
        #expect(lines.contains("rules.yaml:4:26: error: settings.flap_guard.openings: expected a whole number of at least 2"))
        #expect(lines.contains("rules.yaml:8:15: error: rules[0].severity: unknown severity \"urgent\" (expected one of: info, warning, major, critical)"))
        #expect(lines.contains("rules.yaml:10:25: error: rules[0].threshold.metric: a wristband does not report `heart_rat`"))
        #expect(lines.contains("rules.yaml:15:47: error: rules[1].event.resolve_on: no device type this rule applies to sends event `nothing_here`"))
        #expect(lines.contains("rules.yaml:16:5: error: rules[1].escalaton: unknown key `escalaton` (did you mean `escalation`?)"))
        #expect(lines.contains { $0.hasPrefix("rules.yaml:17:5: error: rules[2]: a rule needs exactly one condition") })
        #expect(lines.contains("rules.yaml:27:16: error: rules[3].sustained.for: `for` (how long the condition must hold) is required"))
        #expect(lines.contains("rules.yaml:29:12: error: silences[0].rule: unknown rule \"nope\""))
        #expect(lines.contains("rules.yaml:29:60: error: silences[0].until: `until` must be after `from`"))
    }

    @Test func fleetsCanLiveInIncludedFilesWithTheirOwnLocations() throws {
        let directory = try TemporaryDirectory.make(prefix: "include")
        let site = directory.appendingPathComponent("devices.yaml")
        try (TestRegistry.yaml + "\ninclude: [fleet/*.yaml]\n").write(to: site, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("fleet"), withIntermediateDirectories: true)
        try """
            residents:
              - {id: res-9, name: 王芳, community: xingfuli, building: "5", room: "302", relatives: [{name: 王强, relation: 儿子, phone: "13812349999"}]}
            devices:
              - {id: band-9, type: wristband, community: xingfuli, grid: "330106005001", building: "5", room: "302", vendor: V, model: M, serial: S99, installer: inst-wang, resident: res-9}
            """.write(to: directory.appendingPathComponent("fleet/a.yaml"), atomically: true, encoding: .utf8)
        try """
            devices:
              - {id: band-10, type: wristbnd, community: xingfuli, grid: "330106005001", zone: z, vendor: V, model: M, serial: S100, installer: inst-wang}
            gateway: {id: not-here}
            """.write(to: directory.appendingPathComponent("fleet/b.yaml"), atomically: true, encoding: .utf8)
        let error = #expect(throws: ConfigFileError.self) { try RegistryLoader.loadConfiguration(path: site.path) }
        let lines = error?.issues.map(\.description) ?? []
        let b = directory.appendingPathComponent("fleet/b.yaml").path
        #expect(lines.contains { $0.hasPrefix("\(b):2:25: error: devices[") && $0.contains(".type: unknown device type \"wristbnd\"") },
                "\(lines)")
        #expect(lines.contains { $0.hasPrefix("\(b):3:1: error: gateway: unknown key `gateway`") }, "\(lines)")
        try FileManager.default.removeItem(at: directory.appendingPathComponent("fleet/b.yaml"))
        let configuration = try RegistryLoader.loadConfiguration(path: site.path)
        #expect(configuration.registry.device("band-9")?.resident == "res-9")
        #expect(configuration.registry.device("band-1") != nil)
        // A pattern that matches nothing is an error: a fleet must not vanish silently.
        try FileManager.default.removeItem(at: directory.appendingPathComponent("fleet/a.yaml"))
        let empty = #expect(throws: ConfigFileError.self) { try RegistryLoader.loadConfiguration(path: site.path) }
        #expect(empty?.issues.contains { $0.message == "no file matches \"fleet/*.yaml\"" } == true)
    }

    /// Residents and devices are validated as they are read; what they name may come later in the file (the
    /// residents after the devices, `communities` and `vendor_products` last).
    static let entriesBeforeTheirReferences = """
        devices:
          - {id: d1, type: wristband, community: c1, grid: "330106005001", building: "1", vendor: V, model: M, serial: S1, installer: inst, resident: r2}
          - {id: d2, type: wristband, community: c1, grid: "330106005001", building: "1", vendor: V, model: M, serial: S2, installer: inst, resident: r9}
          - {id: d1, type: smoke_sensor, community: c1, grid: "330106005001", zone: z, vendor: V, model: M, serial: S3, installer: inst}
          - {id: d4, type: smoke_sensor, community: c1, grid: "330106005001", zone: z, vendor: v, model: M, serial: S1, installer: inst}
          - {id: d5, type: wristband, community: c1, grid: "330106005001", building: "1", vendor: V, model: M, serial: S5, installer: inst, resident: r2, binding: {protocol: alink, product: a1Band, name: DN1}}
          - {id: d6, type: smoke_sensor, community: c9, grid: "330106005001", zone: z, vendor: V, model: M, serial: S6, installer: inst}
        residents:
          - {id: r2, name: 张三, community: c1, building: "1", room: "101", relatives: [{name: 李四, relation: 儿子, phone: "13800138000"}]}
          - {id: r2, name: 王五, community: c1, building: "1", room: "102", relatives: [{name: 赵六, relation: 女儿, phone: "13800138001"}]}
        gateway: {id: gw-1}
        communities:
          - {id: c1, name: 社区, address: 地址, grids: [{code: "330106005001", name: 网格}]}
        installers: [{id: inst, name: 王}]
        vendor_products:
          - {protocol: alink, product: a1Band, device_type: wristband, properties: {HeartRate: heart_rate}, events: {FallAlarm: fall_detected}}
        """

    @Test func entriesValidatedAsTheyAreReadStillSayWhere() throws {
        let error = #expect(throws: ConfigFileError.self) {
            try RegistryLoader.parse(Self.entriesBeforeTheirReferences, file: "fleet.yaml")
        }
        #expect(error?.issues.map(\.description) == [
            "fleet.yaml:3:143: error: devices[1].resident: unknown resident \"r9\"",
            "fleet.yaml:4:10: error: devices[2].id: duplicate device id \"d1\"",
            "fleet.yaml:5:109: error: devices[3].serial: serial \"S1\" of vendor \"v\" is already registered as device \"d1\"",
            "fleet.yaml:7:45: error: devices[5].community: unknown community \"c9\"",
            "fleet.yaml:10:10: error: residents[1].id: duplicate resident id \"r2\"",
        ])
        // From a file (read from disk as the parser asks), the same.
        let directory = try TemporaryDirectory.make(prefix: "fleet")
        let path = directory.appendingPathComponent("fleet.yaml").path
        try Self.entriesBeforeTheirReferences.write(toFile: path, atomically: true, encoding: .utf8)
        let fromFile = #expect(throws: ConfigFileError.self) { try RegistryLoader.loadConfiguration(path: path) }
        #expect(fromFile?.issues.map(\.description) == error?.issues.map { $0.description.replacingOccurrences(of: "fleet.yaml", with: path) })
    }

    @Test func entriesMayNameWhatIsWrittenAfterThem() throws {
        let lines = Self.entriesBeforeTheirReferences.split(separator: "\n", omittingEmptySubsequences: false)
        let valid = lines.enumerated().filter { ![2, 3, 4, 6, 9].contains($0.offset) }.map(\.element).joined(separator: "\n")
        let registry = try RegistryLoader.parse(valid, file: "fleet.yaml")
        #expect(registry.devices.keys == ["d1", "d5"])
        #expect(registry.device("d1")?.resident == "r2")
        #expect(registry.device("d5")?.binding?.product == "a1Band")
        #expect(registry.resident("r2")?.relatives.first?.phone == "13800138000")
    }

    @Test func aFileThatIsNotUTF8OrNotAFileIsUnreadable() throws {
        let directory = try TemporaryDirectory.make(prefix: "unreadable")
        let path = directory.appendingPathComponent("devices.yaml").path
        try Data("gateway: {id: gw-1}\nresidents:\n  - {id: r".utf8 + [0xFF] + Data("}\n".utf8)).write(to: URL(fileURLWithPath: path))
        let notText = #expect(throws: ConfigFileError.self) { try RegistryLoader.loadConfiguration(path: path) }
        #expect(notText?.description == "\(path): error: file is not UTF-8 text")
        let notAFile = #expect(throws: ConfigFileError.self) { try RegistryLoader.loadConfiguration(path: directory.path) }
        #expect(notAFile?.description == "\(directory.path): error: cannot read the file (permissions, or not a regular file)")
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
