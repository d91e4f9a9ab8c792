import ArgumentParser
import DeviceModel
import Foundation

/// `gatewayd devices add`: registers a device with the running daemon.
struct DevicesAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Register a new device with the running daemon (validated like devices.yaml).",
        discussion: APIHelp.discussion(
            """
            The daemon checks the entry exactly like `gatewayd check` checks devices.yaml and lists every \
            problem at once (unknown type with a "did you mean", a grid that is not the community's, an elderly \
            monitor without its resident, …). A device that passes is kept across restarts, recorded in the \
            audit log under your token, and the live rule engine watches it immediately.

            Give the place as --building (with --unit, --floor, --room as they apply) for a home or a \
            building's door, or --zone for a public place (gate, fire lane, lobby), or both.

            Example:
              gatewayd devices add --id xf-b3-smoke-02 --type smoke_sensor \\
                --community xingfuli --grid 330106005001 --building 3 \\
                --zone 楼梯间 --vendor HEIMAN --model HM-608PH-NB \\
                --serial HM608-0002 --installer inst-wang
            """,
            role: "installer")
    )

    @OptionGroup var api: APIOptions

    @Option(help: "New device id: letters, digits, '-', '_', '.' (at most 64), unique in the registry.")
    var id: String
    @Option(help: "Device type: \(DeviceType.allCases.map(\.rawValue).joined(separator: ", ")).")
    var type: String
    @Option(help: "Community id, e.g. xingfuli.")
    var community: String
    @Option(help: "Grid code (网格) of that community, e.g. 330106005001.")
    var grid: String
    @Option(help: "Building number.") var building: String?
    @Option(help: "Unit (单元) in the building.") var unit: String?
    @Option(help: "Floor.") var floor: String?
    @Option(help: "Room.") var room: String?
    @Option(help: "Public place or a description of the spot, e.g. 北大门人行通道.") var zone: String?
    @Option(help: "Manufacturer.") var vendor: String
    @Option(help: "Model.") var model: String
    @Option(help: "Serial number (from the label).") var serial: String
    @Option(help: "Installer id, as in devices.yaml installers.") var installer: String
    @Option(help: "Resident id this elderly-care monitor watches (required for wristband, mattress, fall_radar, sos_pendant).")
    var resident: String?
    @Option(name: .customLong("report-interval"), help: "Expected reporting interval, e.g. 5m (default: the type's).")
    var reportInterval: String?
    @Option(help: "Commissioning state: registered (default) or commissioned.")
    var state: String?

    func validate() throws {
        guard building != nil || zone != nil else {
            throw ValidationError("say where the device is: --building (with --unit/--floor/--room) or --zone")
        }
    }

    private struct Draft: Encodable {
        var id, type, community, grid, vendor, model, serial, installer: String
        var building, unit, floor, room, zone, resident, state: String?
        var reportInterval: String?

        enum CodingKeys: String, CodingKey {
            case id, type, community, grid, vendor, model, serial, installer, building, unit, floor, room, zone, resident, state
            case reportInterval = "report_interval"
        }
    }

    func run() async throws {
        let draft = Draft(id: id, type: type, community: community, grid: grid, vendor: vendor, model: model, serial: serial,
                          installer: installer, building: building, unit: unit, floor: floor, room: room, zone: zone,
                          resident: resident, state: state, reportInterval: reportInterval)
        try await api.withConnection { connection in
            let (device, reply) = try await connection.fetch(DeviceRecord.self, .post, "/api/v1/devices", body: APIConnection.body(draft))
            if api.json { return printRaw(reply.body) }
            print("Registered \(device.id) (\(device.type), \(device.state)); the rule engine is watching it now.")
            print(DeviceText.details(device))
        }
    }
}
