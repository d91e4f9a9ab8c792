import ArgumentParser
import DeviceModel

/// `gatewayd devices maintenance ID --for 2h | --end`.
struct DevicesMaintenance: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "maintenance",
        abstract: "Start (--for 2h) or end (--end) a device's maintenance window (needs the daemon running).",
        discussion: APIHelp.discussion(
            """
            While a device is in maintenance its rules open no alerts, so testing a smoke sensor or a fall radar \
            does not wake the grid staff or relatives; the device's messages are still stored and the silenced \
            hits are counted. The window ends by itself, or with --end. Both are recorded in the audit log.

            Examples:
              gatewayd devices maintenance xf-b3-smoke --for 2h --reason "smoke test"
              gatewayd devices maintenance xf-b3-smoke --end
            """,
            role: "installer")
    )

    @OptionGroup var api: APIOptions

    @Argument(help: "The device id.")
    var id: String

    @Option(name: .customLong("for"), help: "How long, e.g. 30m, 2h, 1d (at most 30d).")
    var duration: String?

    @Option(help: "Why, for the audit log, e.g. 安装调试.")
    var reason: String?

    @Flag(help: "End the device's maintenance now.")
    var end = false

    func validate() throws {
        switch (duration, end) {
        case (nil, false): throw ValidationError("give --for DURATION (e.g. --for 2h) or --end")
        case (.some, true): throw ValidationError("--for and --end cannot be used together")
        case let (.some(text), false):
            guard DurationText.seconds(text) != nil else { throw ValidationError("--for \(text): use a duration like 30m, 2h or 1d") }
        case (nil, true):
            guard reason == nil else { throw ValidationError("--reason goes with --for") }
        }
    }

    private struct Request: Encodable {
        var duration: String
        var reason: String?
    }

    func run() async throws {
        let path = "/api/v1/devices/\(APIConnection.segment(id))/maintenance"
        try await api.withConnection { connection in
            if end {
                _ = try await connection.send(.delete, path)
                if !api.json { print("Maintenance of \(id) ended: its rules open alerts again.") }
                return
            }
            let body = APIConnection.body(Request(duration: duration ?? "", reason: reason))
            let (window, reply) = try await connection.fetch(MaintenanceRecord.self, .put, path, body: body)
            if api.json { return printRaw(reply.body) }
            print("\(window.device) is in maintenance until \(LocalTime.text(window.until)) (\(LocalTime.zoneName)): "
                + "its rules open no alerts until then. End it early with `gatewayd devices maintenance \(window.device) --end`.")
        }
    }
}
