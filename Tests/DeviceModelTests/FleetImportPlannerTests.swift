import Testing
@testable import DeviceModel

/// A fleet CSV read into drafts and planned against a registry: every problem with its line, duplicates within the
/// file, counts of added/updated/unchanged, id and type kept.
struct FleetImportPlannerTests {
    static let header = "id,type,community,grid,building,room,zone,vendor,model,serial,installer,resident,state\n"

    func drafts(_ rows: String, file: String = "fleet.csv") -> (drafts: [DeviceDraft], issues: [ValidationIssue]) {
        FleetCSV.drafts(Array((Self.header + rows).utf8), file: file)
    }

    func planIssues(_ drafts: [DeviceDraft], _ registry: DeviceRegistry) -> [String] {
        do throws(ValidationFailure) {
            _ = try FleetImportPlanner().plan(drafts, in: registry)
            return []
        } catch {
            return error.issues.map(\.description)
        }
    }

    @Test func rowsAreAddedUpdatedOrUnchangedAndAStateLeftOutIsKept() throws {
        let registry = try Fixture.registry()
        let (drafts, issues) = drafts("""
            new-band,wristband,c1,330106005001,3,502,,Acme,M-2,SN-new,inst-1,r1,
            smoke-1,smoke_sensor,c1,330106005001,3,501,,Acme,M-1,SN-smoke-1,inst-1,,
            door-1,access_terminal,c1,330106005001,3,501,北门,Acme,M-1,SN-door-1,inst-1,,commissioned
            """)
        #expect(issues.isEmpty)
        let plan = try FleetImportPlanner().plan(drafts, in: registry)
        #expect(plan.added.map(\.id) == ["new-band"])
        #expect(plan.updated.map(\.id) == ["door-1"])
        #expect(plan.updated.first?.location.zone == "北门")
        #expect(plan.unchanged == 1)
        // The same file against the registry it made: nothing to do.
        var after = registry
        for device in plan.changes { after.upsert(device) }
        let again = try FleetImportPlanner().plan(drafts, in: after)
        #expect(again.changes.isEmpty && again.unchanged == 3)
    }

    @Test func everyProblemIsReportedWithItsLineAndColumn() throws {
        let registry = try Fixture.registry()
        let (drafts, issues) = drafts("""
            ok-1,smoke_sensor,c1,330106005001,3,501,,Acme,M-1,SN-ok-1,inst-1,,
            bad-type,smoke_sensr,c9,330106005001,3,501,,Acme,M-1,SN-2,inst-1,,
            ok-1,gas_sensor,c1,330106005001,3,501,,Acme,M-1,SN-3,inst-1,,
            band-x,wristband,c1,330106005001,3,501,,Acme,M-1,SN-4,inst-1,,
            dup-serial,gas_sensor,c1,330106005001,3,501,,Acme,M-1,SN-ok-1,inst-1,,
            wb-1,smoke_sensor,c1,330106005001,3,501,,Acme,M-1,SN-wb-1,inst-1,,
            """)
        #expect(issues.isEmpty)
        #expect(planIssues(drafts, registry) == [
            #"fleet.csv:3:10: error: devices[1].type: unknown device type "smoke_sensr" (did you mean "smoke_sensor"?) (expected one of: \#(DeviceType.allCases.map(\.rawValue).joined(separator: ", ")))"#,
            #"fleet.csv:3:22: error: devices[1].community: unknown community "c9""#,
            #"fleet.csv:4:1: error: devices[2].id: duplicate device id "ok-1" in the file (first on line 2)"#,
            #"fleet.csv:5:1: error: devices[3].resident: a wristband watches a resident: add `resident: <resident id>`"#,
            #"fleet.csv:6:55: error: devices[4].serial: serial "SN-ok-1" of vendor "Acme" is also the serial of device "ok-1" on line 2"#,
            #"fleet.csv:7:6: error: devices[5].type: device "wb-1" is a wristband: the type of a registered device cannot change (register the new device under a new id)"#,
        ])
    }

    @Test func aSerialHeldByAnotherDeviceIsRefusedUnlessTheFileMovesIt() throws {
        let registry = try Fixture.registry()
        let taken = drafts("n-1,gas_sensor,c1,330106005001,3,501,,Acme,M-1,SN-smoke-1,inst-1,,\n").drafts
        #expect(planIssues(taken, registry) == [
            #"fleet.csv:2:48: error: devices[0].serial: serial "SN-smoke-1" of vendor "Acme" is already registered as device "smoke-1""#,
        ])
        let moved = drafts("""
            n-1,gas_sensor,c1,330106005001,3,501,,Acme,M-1,SN-smoke-1,inst-1,,
            smoke-1,smoke_sensor,c1,330106005001,3,501,,Acme,M-1,SN-smoke-1b,inst-1,,
            """).drafts
        #expect(planIssues(moved, registry).isEmpty)
    }

    @Test func theHeaderIsCheckedFirst() {
        let (_, issues) = FleetCSV.drafts(Array("id,typ,community,serial,vendor,model,installer,zone\n".utf8), file: "f.csv")
        #expect(issues.map(\.description) == [
            "f.csv:1:4: error: unknown column `typ` (did you mean `type`?) (columns: \(FleetCSV.columns.joined(separator: ", ")))",
            "f.csv:1:1: error: the header has no `type` column (required: \(FleetCSV.requiredColumns.joined(separator: ", ")))",
            "f.csv:1:1: error: the header has no `grid` column (required: \(FleetCSV.requiredColumns.joined(separator: ", ")))",
        ])
        let short = drafts("a,b\n")
        #expect(short.issues.map(\.description) == ["fleet.csv:2:1: error: the row has 2 cells, the header names 13 columns"])
        let latin1 = FleetCSV.drafts(Array(Self.header.utf8) + [0x62, 0xE9, 0x0A], file: "f.csv")
        #expect(latin1.issues.first?.location?.line == 2)
    }
}
