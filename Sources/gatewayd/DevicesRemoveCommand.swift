import ArgumentParser

/// `gatewayd devices remove ID`: decommissions a device.
struct DevicesRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Decommission a device: its messages are rejected from now on (needs the daemon running).",
        discussion: APIHelp.discussion(
            "The record is kept (state decommissioned) so its history and alerts stay readable; the device's "
                + "messages go to the dead letters with reason device_decommissioned and its rules stop. "
                + "The change is recorded in the audit log under your token.",
            role: "installer")
    )

    @OptionGroup var api: APIOptions

    @Argument(help: "The device id.")
    var id: String

    func run() async throws {
        try await api.withConnection { connection in
            let (device, reply) = try await connection.fetch(DeviceRecord.self, .delete, "/api/v1/devices/\(APIConnection.segment(id))")
            if api.json { return printRaw(reply.body) }
            print("Decommissioned \(device.id) (\(device.type), \(device.community)): its messages are rejected from now on; the record stays.")
        }
    }
}
