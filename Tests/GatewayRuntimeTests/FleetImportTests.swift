import AsyncHTTPClient
import Foundation
import GRDB
import LocalBroker
import NIOHTTP1
import DeviceModel
import Testing
@testable import GatewayRuntime

/// `POST /api/v1/devices/import` and `gatewayd devices import` against a running gateway: a CSV fleet becomes live
/// (its messages are stored), importing again changes nothing, a changed row updates, a dry run writes nothing, a
/// file with mistakes is refused whole with every problem and its line, YAML fleets report line:column, the body
/// is bounded and the route is the installer's.
@Suite(.serialized) struct FleetImportTests {
    static let installer = "installer-secret"
    static let header = "id,type,community,grid,building,unit,floor,room,zone,vendor,model,serial,installer,resident,report_interval,state\n"
    static let fleet = header + """
        imp-band-1,wristband,xingfuli,330106005001,3,2,5,502,,小米有品,L1,IMP-0001,inst-wang,res-1,5m,
        imp-smoke-1,smoke_sensor,xingfuli,330106005001,3,,5,,"楼梯间, 5F",HEIMAN,HM-608PH-NB,IMP-0002,inst-wang,,1h,commissioned
        smoke-1,smoke_sensor,xingfuli,330106005001,3,,,,楼梯间,V,M,S2,inst-wang,,,

        """

    static func withImportAPI(_ body: (RunningGateway, APIClient, TestPublisher, URL) async throws -> Void) async throws {
        try await withHTTPGateway(prefix: "import", configure: { settings, _ in
            settings.http?.maxImportBytes = 8 * 1024
        }) { gateway, api, device, _, directory in
            try await body(gateway, api, device, directory)
        }
    }

    static func post(_ api: APIClient, _ text: String, file: String = "fleet.csv", dryRun: Bool = false,
                     contentType: String = "text/csv", token: String? = installer) async throws -> APIClient.Reply {
        try await api.send(.POST, "/api/v1/devices/import?dry_run=\(dryRun)&file=\(file)", token: token, body: text, contentType: contentType)
    }

    static func counts(_ reply: APIClient.Reply) -> [Int] {
        ["added", "updated", "unchanged"].map { reply.json[$0] as? Int ?? -1 }
    }

    static func issues(_ reply: APIClient.Reply) -> [String] {
        ((reply.json["error"] as? [String: Any])?["issues"] as? [[String: String]] ?? []).map {
            "\($0["location"] ?? "-") \($0["path"] ?? "") \($0["message"] ?? "")"
        }
    }

    @Test func aCSVFleetIsLiveAtOnceAndImportingItAgainChangesNothing() async throws {
        try await Self.withImportAPI { gateway, api, device, _ in
            let dry = try await Self.post(api, Self.fleet, dryRun: true)
            #expect(dry.status == 200, "\(dry.text)")
            #expect(Self.counts(dry) == [2, 0, 1] && dry.json["dry_run"] as? Bool == true)
            #expect(try gateway.count("SELECT COUNT(*) FROM device_registrations") == 0)
            #expect(gateway.gateway.registry.device("imp-band-1") == nil)

            let imported = try await Self.post(api, Self.fleet)
            #expect(imported.status == 200, "\(imported.text)")
            #expect(Self.counts(imported) == [2, 0, 1] && imported.json["rows"] as? Int == 3)
            #expect(try gateway.count("SELECT COUNT(*) FROM device_registrations") == 2)
            let smoke = try #require(gateway.gateway.registry.device("imp-smoke-1"))
            #expect(smoke.location.zone == "楼梯间, 5F" && smoke.state == .commissioned && smoke.reportIntervalSeconds == 3600)

            // Live: a message from an imported device is stored, and its alarm opens an alert.
            try device.publish("devices/xingfuli/imp-smoke-1/event", #"{"ts": \#(nowMillis()), "event": "smoke_alarm"}"#)
            #expect(await eventually { (try? gateway.count("SELECT COUNT(*) FROM events WHERE device_id = 'imp-smoke-1'")) == 1 })
            #expect(await eventually { (try? gateway.count("SELECT COUNT(*) FROM alerts WHERE device = 'imp-smoke-1'")) == 1 })

            let again = try await Self.post(api, Self.fleet)
            #expect(Self.counts(again) == [0, 0, 3])
            let moved = Self.fleet.replacingOccurrences(of: "3,2,5,502", with: "3,2,6,602")
            let changed = try await Self.post(api, moved)
            #expect(Self.counts(changed) == [0, 1, 2])
            #expect(gateway.gateway.registry.device("imp-band-1")?.location.room == "602")
            // A dry run of a new row counts it and writes nothing.
            let extra = Self.fleet + "imp-water-1,water_sensor,xingfuli,330106005001,,,,,地下车库,涂鸦,SJ-01,IMP-0003,inst-wang,,,\n"
            #expect(Self.counts(try await Self.post(api, extra, dryRun: true)) == [1, 1, 2])
            #expect(gateway.gateway.registry.device("imp-water-1") == nil)
            #expect(try gateway.count("SELECT COUNT(*) FROM device_registrations") == 2)

            // One audit row per applied import, with the file and counts; none for dry runs.
            let audit = try await gateway.gateway.database.read { db in
                try Row.fetchAll(db, sql: "SELECT actor, target, detail FROM audit_log WHERE action = 'device.import' ORDER BY id")
            }
            #expect(audit.count == 3)
            #expect(audit.first?["actor"] == "installer-app" && audit.first?["target"] == "fleet.csv")
            #expect(audit.first?["detail"] == "rows=3 added=2 updated=0 unchanged=1")
        }
    }

    static let broken = header + """
        ok-1,smoke_sensor,xingfuli,330106005001,3,,,,楼梯间,V,M,B-1,inst-wang,,,
        bad-1,smoke_sensr,xingfuli,330106005001,3,,,,楼梯间,V,M,B-2,inst-wang,,,
        bad-2,gas_sensor,nowhere,330106005001,3,,,,厨房,V,M,B-3,inst-wang,,,
        ok-2,water_sensor,xingfuli,330106005001,,,,,车库,V,M,B-4,inst-wang,,,
        ok-3,water_sensor,xingfuli,330106005001,,,,,车库,V,M,B-5,inst-wang,,,
        ok-1,wristband,xingfuli,330106005001,3,,,,,V,M,B-6,inst-wang,,,
        bad-3,wristband,xingfuli,330106005001,3,,,,,V,M,B-7,inst-wang,,,
        bad-4,gas_sensor,xingfuli,330106005001,3,,,,"厨房"x,V,M,B-8,inst-wang,,,

        """

    @Test func aFileWithMistakesIsRefusedWholeWithEveryProblemAndItsLine() async throws {
        try await Self.withImportAPI { gateway, api, _, directory in
            let reply = try await Self.post(api, Self.broken)
            #expect(reply.status == 422)
            #expect((reply.json["error"] as? [String: Any])?["code"] as? String == "invalid_import")
            let issues = Self.issues(reply)
            #expect(issues.count == 5, "\(issues)")
            #expect(issues.contains { $0.hasPrefix("fleet.csv:3:7 devices[1].type unknown device type \"smoke_sensr\" (did you mean \"smoke_sensor\"?)") })
            #expect(issues.contains("fleet.csv:4:18 devices[2].community unknown community \"nowhere\""))
            #expect(issues.contains("fleet.csv:7:1 devices[5].id duplicate device id \"ok-1\" in the file (first on line 2)"))
            #expect(issues.contains("fleet.csv:8:1 devices[6].resident a wristband watches a resident: add `resident: <resident id>`"))
            #expect(issues.contains { $0.hasPrefix("fleet.csv:9:49  text after the closing quote") })
            #expect(try gateway.count("SELECT COUNT(*) FROM device_registrations") == 0)
            #expect(gateway.gateway.registry.device("ok-1") == nil)

            // The command line lists the same problems and exits with 1; a good file exits 0 with the counts.
            let file = directory.appendingPathComponent("fleet.csv")
            try Self.broken.write(to: file, atomically: true, encoding: .utf8)
            let refused = try await Self.cli(["devices", "import", file.path, "--api", api.base, "--token", Self.installer])
            #expect(refused.status == 1)
            #expect(refused.output.contains("5 problem(s)"), "\(refused.output)")
            #expect(refused.output.contains("fleet.csv:8:1: devices[6].resident: a wristband watches a resident"), "\(refused.output)")
            try Self.fleet.write(to: file, atomically: true, encoding: .utf8)
            let dry = try await Self.cli(["devices", "import", "--dry-run", file.path, "--api", api.base, "--token", Self.installer])
            #expect(dry.status == 0 && dry.output.contains("3 row(s) valid: 2 to add, 0 to update, 1 unchanged. Dry run"), "\(dry.output)")
            let done = try await Self.cli(["devices", "import", file.path, "--api", api.base, "--token", Self.installer])
            #expect(done.status == 0 && done.output.contains("imported 3 row(s): 2 added, 0 updated, 1 unchanged"), "\(done.output)")
            #expect(gateway.gateway.registry.device("imp-band-1") != nil)
        }
    }

    @Test func aYAMLFleetImportsAndItsProblemsCarryLineAndColumn() async throws {
        try await Self.withImportAPI { gateway, api, _, _ in
            let yaml = """
                devices:
                  - {id: y-smoke-1, type: smoke_sensor, community: xingfuli, grid: "330106005001", building: "3", zone: 楼梯间,
                     vendor: V, model: M, serial: Y-1, installer: inst-wang}
                  - id: y-band-1
                    type: wristband
                    community: xingfuli
                    grid: "330106005001"
                    building: "3"
                    room: "501"
                    vendor: V
                    model: M
                    serial: Y-2
                    installer: inst-wang
                    resident: res-1

                """
            let bad = yaml.replacingOccurrences(of: "resident: res-1", with: "resident: res-9").replacingOccurrences(of: "serial: Y-1", with: "serail: Y-1")
            let refused = try await Self.post(api, bad, file: "fleet.yaml", contentType: "application/yaml")
            #expect(refused.status == 422)
            let issues = Self.issues(refused)
            #expect(issues.contains("fleet.yaml:3:27 devices[0].serail unknown key `serail` (did you mean `serial`?)"), "\(issues)")
            #expect(issues.contains("fleet.yaml:14:15 devices[1].resident unknown resident \"res-9\""), "\(issues)")
            let withResidents = try await Self.post(api, "residents: []\n" + yaml, file: "fleet.yaml", contentType: "application/yaml")
            #expect(Self.issues(withResidents).contains { $0.hasPrefix("fleet.yaml:1:12 residents an import registers devices only") }, "\(Self.issues(withResidents))")

            let imported = try await Self.post(api, yaml, file: "fleet.yaml", contentType: "application/yaml")
            #expect(imported.status == 200, "\(imported.text)")
            #expect(Self.counts(imported) == [2, 0, 0])
            #expect(gateway.gateway.registry.device("y-band-1")?.resident == "res-1")
        }
    }

    @Test func theBodyIsBoundedTheFormatCheckedAndTheRouteIsTheInstallers() async throws {
        try await Self.withImportAPI { gateway, api, _, _ in
            let row = "big-%05d,smoke_sensor,xingfuli,330106005001,3,,,,楼梯间,V,M,BIG-%05d,inst-wang,,,\n"
            let large = Self.header + (0..<200).map { String(format: row, $0, $0) }.joined()
            let tooLarge = try await Self.post(api, large)
            #expect(tooLarge.status == 413)
            #expect((tooLarge.json["error"] as? [String: Any])?["code"] as? String == "body_too_large")
            #expect(try await Self.post(api, Self.fleet, contentType: "application/json").status == 415)
            #expect(try await Self.post(api, Self.fleet, token: "console-secret").status == 403)
            #expect(try await Self.post(api, Self.fleet, token: nil).status == 401)
            #expect(try await api.send(.POST, "/api/v1/devices/import?dry_run=maybe", token: Self.installer, body: Self.fleet,
                                       contentType: "text/csv").status == 400)
            #expect(try gateway.count("SELECT COUNT(*) FROM device_registrations") == 0)
        }
    }

    @Test func importedDevicesAreTheRegistryAfterARestart() async throws {
        try await withBroker { broker in
            let directory = try TemporaryDirectory.make(prefix: "import-restart")
            let databasePath = directory.appendingPathComponent("g.sqlite").path
            func gateway() throws -> RunningGateway {
                try RunningGateway(broker: broker.url, databasePath: databasePath, configure: { settings in
                    settings.http = HTTPServerSettings(host: "127.0.0.1", port: 0)
                })
            }
            let first = try gateway()
            try await first.start()
            let port = try #require(await eventuallyValue { first.gateway.httpPort })
            let client = HTTPClient(eventLoopGroupProvider: .singleton)
            let reply = try await Self.post(APIClient(base: "http://127.0.0.1:\(port)", client: client), Self.fleet)
            try await client.shutdown()
            #expect(Self.counts(reply) == [2, 0, 1])
            let imported = try ["imp-band-1", "imp-smoke-1"].map { try #require(first.gateway.registry.device($0)) }
            try await first.stop()

            let second = try gateway()
            try await second.start()
            #expect(try ["imp-band-1", "imp-smoke-1"].map { try #require(second.gateway.registry.device($0)) } == imported)
            try await second.stop()
        }
    }

    @Test func theExampleFleetValidatesAgainstTheSampleRegistry() throws {
        let root = GatewayDaemon.repositoryRoot
        let registry = try RegistryLoader.loadConfiguration(path: root.appendingPathComponent("devices.yaml").path).registry
        let bytes = try [UInt8](Data(contentsOf: root.appendingPathComponent("examples/fleet.csv")))
        let (drafts, issues) = FleetFileReader.drafts(bytes, format: .csv, file: "fleet.csv")
        #expect(issues.isEmpty, "\(issues)")
        let plan = try FleetImportPlanner().plan(drafts, in: registry)
        #expect(plan.added.count == 6 && plan.updated.isEmpty)
    }

    @Test func registrationsStoredAsJSONBeforeVersion10AreReadAfterItsMigration() throws {
        let directory = try TemporaryDirectory.make(prefix: "v10")
        let queue = try DatabaseQueue(path: directory.appendingPathComponent("g.sqlite").path)
        try GatewayMigrations.migrator.migrate(queue, upTo: "v9-duty-ladder")
        let devices = try ["band-alink", "door-hik", "smoke-1"].map { try #require(TestRegistry.registry.device($0)) }
        try queue.write { db in
            for device in devices {
                try db.execute(sql: "INSERT INTO device_registrations (id, body, updated_at, updated_by) VALUES (?, ?, 1, 'installer-app')",
                               arguments: [device.id, String(decoding: try JSONEncoder().encode(device), as: UTF8.self)])
            }
        }
        try GatewayMigrations.migrator.migrate(queue)
        let read = try queue.read { db in
            var read: [Device] = []
            try OperationsStore().forEachRegistration(in: db) { read.append($0) }
            return read
        }
        #expect(read == devices.sorted { $0.id < $1.id })
        #expect(read.first?.binding?.name == "DN0001" && read[1].pushSecretSHA256 != nil)
    }

    /// Runs the real `gatewayd` command line; its exit status and what it printed (both streams).
    /// The real command line against the gateway of this process: waited for off the cooperative pool.
    static func cli(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await BrokerConfigTests.runOffPool(try GatewayDaemon.executable(), arguments)
    }
}
