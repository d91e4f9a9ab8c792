import ArgumentParser
import Foundation
import DeviceModel
import GatewayRuntime

/// `gatewayd report`: the governance report (治理月报) of a period from the gateway's database, as HTML, CSV or
/// JSON, to standard output or a file. Reads the database directly (WAL: the running daemon is not held up).
struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Governance report of a period: device uptime, alerts, work orders, elder care; html, csv or json.",
        discussion: """
            The period is [from, to) in local civil dates (settings.utc_offset of the registry), e.g. \
            --from 2026-11-01 --to 2026-12-01 for November; without both, the last complete month. Each figure is \
            shown beside its value in the period before (the previous month for a month). Exit 1 on bad input.
            """
    )

    @Option(help: "First day of the period, YYYY-MM-DD (local).")
    var from: String?

    @Option(help: "Day after the period's last day, YYYY-MM-DD (local).")
    var to: String?

    @Option(help: "Only this community (its id in devices.yaml).")
    var community: String?

    @Option(help: "Only the communities of this street (街道).")
    var street: String?

    @Option(help: "html, csv or json.")
    var format: String = "html"

    @Option(help: "Write the report to this file instead of standard output.")
    var out: String?

    @Option(help: "Registry file. [env: GATEWAYD_CONFIG, default: devices.yaml]")
    var config: String?

    @Option(help: "SQLite database file. [env: GATEWAYD_DB, default: gateway.sqlite]")
    var db: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let configPath = config ?? environment["GATEWAYD_CONFIG"] ?? "devices.yaml"
        let databasePath = db ?? environment["GATEWAYD_DB"] ?? "gateway.sqlite"
        do {
            let format = try ReportFormat(text: format)
            guard FileManager.default.fileExists(atPath: databasePath) else {
                throw SettingError("no database at \(databasePath) (give --db)")
            }
            let configuration: GatewayConfiguration
            do {
                configuration = try RegistryLoader.loadConfiguration(path: configPath)
            } catch {
                for issue in error.issues { printError(issue.description) }
                throw SettingError("\(configPath) is not a valid registry")
            }
            // Opening may create the -wal/-shm files (and migrate): they hold residents' data, so 0600 like the daemon's.
            FilePermissions.restrictUmask()
            let reports = GovernanceReports(database: try GatewayDatabase.open(path: databasePath), configuration: configuration)
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let report = try await reports.report(GovernanceReports.Request(from: from, to: to, community: community, street: street), now: now)
            let text = format.render(report)
            if let out {
                try Data(text.utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
            } else {
                FileHandle.standardOutput.write(Data(text.utf8))
            }
        } catch let error as ReportError {
            printError("gatewayd report: error: \(error)")
            throw ExitCode(1)
        } catch let error as SettingError {
            printError("gatewayd report: error: \(error)")
            throw ExitCode(1)
        }
    }
}
