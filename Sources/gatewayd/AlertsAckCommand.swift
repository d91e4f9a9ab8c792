import ArgumentParser
import GatewayRuntime

/// `gatewayd alerts ack ID [--note …]`.
struct AlertsAck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ack",
        abstract: "Acknowledge an open alert: someone is on it, escalation stops (needs the daemon running).",
        discussion: APIHelp.discussion(
            "Recorded in the alert's audit trail under your token, with the note if given, and published to the "
                + "console like an acknowledgement from the console itself.",
            role: "operator")
    )

    @OptionGroup var api: APIOptions

    @Argument(help: "The alert id (from `gatewayd alerts list`).")
    var id: String

    @Option(help: "What is being done, e.g. 已联系家属 (at most 500 characters).")
    var note: String?

    func run() async throws {
        try await api.withConnection { connection in
            let body = APIConnection.body(AlertNote(note: note))
            let (alert, reply) = try await connection.fetch(AlertPayload.self, .post, "/api/v1/alerts/\(APIConnection.segment(id))/ack", body: body)
            if api.json { return printRaw(reply.body) }
            if let acknowledgedAt = alert.acknowledgedAt, let transition = alert.transition, acknowledgedAt < transition.at {
                print("\(alert.id) (\(alert.title), \(alert.device)) was already acknowledged by \(alert.acknowledgedBy ?? "-") "
                    + "at \(LocalTime.text(acknowledgedAt)).")
            } else {
                print("Acknowledged \(alert.id) (\(alert.title), \(alert.device)); escalation stopped at \(alert.escalationLevel).")
            }
            print("Resolve it once handled: gatewayd alerts resolve \(alert.id) --note \"…\"")
        }
    }
}

/// The body of ack and resolve.
struct AlertNote: Encodable {
    var note: String?
    var category: String?
}
