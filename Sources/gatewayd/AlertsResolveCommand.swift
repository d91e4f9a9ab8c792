import ArgumentParser
import Foundation
import GatewayRuntime

/// `gatewayd alerts resolve ID --note … --category …`.
struct AlertsResolve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolve",
        abstract: "Resolve an alert with a note saying what was done and what it was (needs the daemon running).",
        discussion: APIHelp.discussion(
            "Recorded in the alert's audit trail under your token with the note; the console topic is cleared, "
                + "and relatives and the grid work-order system are told as configured.",
            role: "operator")
    )

    @OptionGroup var api: APIOptions

    @Argument(help: "The alert id (from `gatewayd alerts list`).")
    var id: String

    @Option(help: "What was done, e.g. 老人已送医 (required, at most 500 characters).")
    var note: String

    @Option(help: "What it turned out to be: genuine (真实警情), false_alarm (误报), device_fault (设备故障) or test (测试).")
    var category: String

    func validate() throws {
        guard !note.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--note must say what was done") }
        let known = ["genuine", "false_alarm", "device_fault", "test", "真实警情", "误报", "设备故障", "测试"]
        guard known.contains(category) else { throw ValidationError("--category must be one of: \(known.joined(separator: ", "))") }
    }

    func run() async throws {
        try await api.withConnection { connection in
            let body = APIConnection.body(AlertNote(note: note, category: category))
            let (alert, reply) = try await connection.fetch(AlertPayload.self, .post, "/api/v1/alerts/\(APIConnection.segment(id))/resolve", body: body)
            if api.json { return printRaw(reply.body) }
            print("Resolved \(alert.id) (\(alert.title), \(alert.device)).")
        }
    }
}
