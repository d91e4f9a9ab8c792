import ArgumentParser
import Foundation
import GatewayRuntime

/// `gatewayd alerts …`: the alerts of a running daemon.
struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "List, inspect, acknowledge and resolve alerts (through the running daemon).",
        discussion: """
            These commands act on the live alerts of a running gateway through its HTTP API: acknowledging or \
            resolving here is the same as doing it from the console — it is recorded in the alert's audit trail \
            under your token, published to the console topics, and relatives and the grid work-order system are \
            told as configured. Start the daemon first: `gatewayd run --http 127.0.0.1:8080`.
            """,
        subcommands: [AlertsList.self, AlertsShow.self, AlertsAck.self, AlertsResolve.self]
    )
}

/// `gatewayd alerts list`.
struct AlertsList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List alerts, newest first (needs the daemon running).",
        discussion: APIHelp.discussion(
            "Shows each alert's id, severity, state, title, device, when it opened (local time) and how far it has "
                + "escalated (grid → community → street). Use the id with `alerts show`, `alerts ack` and `alerts resolve`.",
            role: "operator")
    )

    @OptionGroup var api: APIOptions

    @Option(help: "Only this community (its id).")
    var community: String?

    @Option(help: "Only alerts in this state: open, acknowledged or resolved.")
    var state: String?

    @Option(help: "Only this severity: info, warning, major or critical.")
    var severity: String?

    @Option(help: "At most this many alerts (1–200).")
    var limit = 50

    func validate() throws {
        guard (1...200).contains(limit) else { throw ValidationError("--limit must be between 1 and 200") }
    }

    func run() async throws {
        try await api.withConnection { connection in
            let query: [String: String?] = ["community": community, "state": state, "severity": severity, "limit": String(limit)]
            let (page, reply) = try await connection.fetch(PageRecord<AlertPayload>.self, .get, "/api/v1/alerts", query: query)
            if api.json { return printRaw(reply.body) }
            guard !page.items.isEmpty else { return print("No alerts match.") }
            var table = TextTable("ID", "SEVERITY", "STATE", "TITLE", "DEVICE", "OPENED", "LEVEL")
            for alert in page.items {
                let title = alert.count > 1 ? "\(alert.title) ×\(alert.count)" : alert.title
                table.add(alert.id, alert.severity, alert.state, title, alert.device, LocalTime.text(alert.openedAt), alert.escalationLevel)
            }
            print(table.render())
            print("\(page.items.count) of \(page.total) alert(s); times in \(LocalTime.zoneName)"
                + (page.total > page.items.count ? "; use --limit (up to 200) or filters to see more" : ""))
        }
    }
}

/// `gatewayd alerts show ID`.
struct AlertsShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one alert with its full transition history (needs the daemon running).",
        discussion: APIHelp.discussion(
            "Prints the alert (what triggered it, where, who acknowledged or resolved it) and every transition of its "
                + "audit trail: opened, updated, escalated, acknowledged, resolved — who, when and why. A resident is "
                + "shown by id only.",
            role: "operator")
    )

    @OptionGroup var api: APIOptions

    @Argument(help: "The alert id (from `gatewayd alerts list`).")
    var id: String

    private struct Detail: Decodable {
        var alert: AlertPayload
        var transitions: [TransitionRecord]
    }

    func run() async throws {
        try await api.withConnection { connection in
            let (detail, reply) = try await connection.fetch(Detail.self, .get, "/api/v1/alerts/\(APIConnection.segment(id))")
            if api.json { return printRaw(reply.body) }
            print(AlertText.details(detail.alert))
            print("")
            var table = TextTable("AT", "TRANSITION", "STATE", "LEVEL", "BY", "REASON")
            for entry in detail.transitions {
                table.add(LocalTime.text(entry.at), entry.kind, entry.state ?? "-", entry.escalationLevel ?? "-", entry.actor, entry.reason)
            }
            print(table.render())
        }
    }
}
