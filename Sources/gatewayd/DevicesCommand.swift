import ArgumentParser
import Foundation

/// `gatewayd devices …`: the device registry of a running daemon.
struct DevicesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List, inspect, register, import, decommission and put devices into maintenance (through the running daemon).",
        discussion: """
            These commands change the live registry of a running gateway through its HTTP API: a device added \
            here is validated exactly like an entry of devices.yaml, recorded in the audit log with your \
            token's name, and watched by the rule engine at once. Start the daemon first: \
            `gatewayd run --http 127.0.0.1:8080`.
            """,
        subcommands: [DevicesList.self, DevicesShow.self, DevicesAdd.self, DevicesImport.self, DevicesRemove.self, DevicesMaintenance.self]
    )
}

/// `gatewayd devices list`.
struct DevicesList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List devices with their state and whether they are online (needs the daemon running).",
        discussion: APIHelp.discussion(
            "Shows the registry as the running daemon sees it, including devices registered through the API, "
                + "with each device's live state: online, and when it was last heard from (local time).",
            role: "installer or operator")
    )

    @OptionGroup var api: APIOptions

    @Option(help: "Only this community (its id, e.g. xingfuli).")
    var community: String?

    @Option(help: "Only this device type, e.g. wristband, smoke_sensor.")
    var type: String?

    @Option(help: "Only this commissioning state: registered, commissioned or decommissioned.")
    var state: String?

    @Option(help: "Only devices that are online (true) or offline (false).")
    var online: Bool?

    @Option(help: "At most this many devices (1–200).")
    var limit = 50

    func validate() throws {
        guard (1...200).contains(limit) else { throw ValidationError("--limit must be between 1 and 200") }
    }

    func run() async throws {
        try await api.withConnection { connection in
            let query: [String: String?] = [
                "community": community, "type": type, "state": state, "online": online.map { $0 ? "true" : "false" },
                "limit": String(limit),
            ]
            let (page, reply) = try await connection.fetch(PageRecord<DeviceRecord>.self, .get, "/api/v1/devices", query: query)
            if api.json { return printRaw(reply.body) }
            guard !page.items.isEmpty else { return print("No devices match.") }
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let anyMaintenance = page.items.contains { ($0.maintenanceUntil ?? 0) > now }
            var table = TextTable("ID", "TYPE", "COMMUNITY", "STATE", "ONLINE", "LAST SEEN")
            if anyMaintenance { table.headers.append("MAINTENANCE UNTIL") }
            for device in page.items {
                var cells = [device.id, device.type, device.community, device.state, device.online == true ? "yes" : "no",
                             LocalTime.text(device.lastSeenAt)]
                if anyMaintenance { cells.append((device.maintenanceUntil ?? 0) > now ? LocalTime.text(device.maintenanceUntil) : "") }
                table.rows.append(cells)
            }
            print(table.render())
            print("\(page.items.count) of \(page.total) device(s); times in \(LocalTime.zoneName)"
                + (page.total > page.items.count ? "; use --limit (up to 200) or filters to see more" : ""))
        }
    }
}

/// `gatewayd devices show ID`.
struct DevicesShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one device's record and live state (needs the daemon running).",
        discussion: APIHelp.discussion(
            "Prints where the device is mounted, who installed it, its commissioning state, whether it is online, "
                + "when it was last heard from and any maintenance window. A resident is shown by id only.",
            role: "installer or operator")
    )

    @OptionGroup var api: APIOptions

    @Argument(help: "The device id, e.g. xf-0301-band.")
    var id: String

    func run() async throws {
        try await api.withConnection { connection in
            let (device, reply) = try await connection.fetch(DeviceRecord.self, .get, "/api/v1/devices/\(APIConnection.segment(id))")
            if api.json { return printRaw(reply.body) }
            print(DeviceText.details(device))
        }
    }
}

/// Printing a device for people.
enum DeviceText {
    static func details(_ device: DeviceRecord) -> String {
        var list = DetailList()
        list.add("id", device.id)
        list.add("type", device.type + (device.family.map { " (\($0))" } ?? ""))
        list.add("community", device.community)
        list.add("grid", device.grid)
        list.add("location", device.location?.summary)
        list.add("vendor/model", [device.vendor, device.model].compactMap(\.self).joined(separator: " "))
        list.add("serial", device.serial)
        list.add("installer", device.installer)
        list.add("state", device.state)
        list.add("resident", device.resident)
        list.add("report every", device.reportIntervalS.map { "\($0) s" })
        list.add("online", device.online == true ? "yes" : "no")
        list.add("last seen", LocalTime.text(device.lastSeenAt))
        if let until = device.maintenanceUntil { list.add("maintenance", "until \(LocalTime.text(until)) (rules open no alerts)") }
        return list.render()
    }
}

/// Prints a reply body as received.
func printRaw(_ body: Data) {
    let text = String(decoding: body, as: UTF8.self)
    print(text.hasSuffix("\n") ? String(text.dropLast()) : text)
}
