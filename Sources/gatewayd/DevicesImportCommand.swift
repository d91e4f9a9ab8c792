import ArgumentParser
import Foundation
import NIOCore

/// `gatewayd devices import FILE`: registers or updates a whole fleet with the running daemon, all or nothing.
struct DevicesImport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Register or update many devices from a CSV or fleet YAML file, all or nothing (needs the daemon running).",
        discussion: APIHelp.discussion(
            """
            FILE is a CSV (.csv) with a header row naming its columns — any of \
            id,type,community,grid,building,unit,floor,room,zone,vendor,model,serial,installer,resident,report_interval,state \
            (the first four, vendor, model, serial and installer are required; an empty cell is an absent value) — \
            saved as UTF-8 ("CSV UTF-8" in a spreadsheet), or a fleet YAML file (.yaml/.yml) with a `devices:` list \
            written like devices.yaml's.

            Every row is checked exactly like `gatewayd devices add` checks one device, against the live registry and \
            against the other rows (an id twice in the file, a serial twice). If any row is wrong, every problem is \
            listed with its file:line:column, nothing is changed and the command exits with status 1. Otherwise all \
            rows are applied in one transaction: new ids are added, changed rows update their device (its id and type \
            stay; a row without `state` keeps the device's state), rows equal to their device are left alone — so \
            importing the same file again changes nothing. One audit entry records the import under your token.

            --dry-run checks every row and counts what would be added, updated and left unchanged, changing nothing.

            Example:
              gatewayd devices import --dry-run fleet.csv
              gatewayd devices import fleet.csv
            """,
            role: "installer")
    )

    @OptionGroup var api: APIOptions

    @Argument(help: "The fleet file: a .csv with a header row, or a .yaml/.yml with a `devices:` list.")
    var file: String

    @Flag(name: .customLong("dry-run"), help: "Check every row and count the changes, without changing anything.")
    var dryRun = false

    private var contentType: String? {
        switch URL(fileURLWithPath: file).pathExtension.lowercased() {
        case "csv": "text/csv; charset=utf-8"
        case "yaml", "yml": "application/yaml"
        default: nil
        }
    }

    func validate() throws {
        guard contentType != nil else { throw ValidationError("\(file): expected a .csv or a .yaml/.yml file") }
    }

    private struct Report: Decodable {
        var file: String
        var rows, added, updated, unchanged: Int
        var dryRun: Bool

        enum CodingKeys: String, CodingKey {
            case file, rows, added, updated, unchanged, dryRun = "dry_run"
        }
    }

    func run() async throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            let exists = FileManager.default.fileExists(atPath: file)
            printError("gatewayd: error: \(file): \(exists ? "cannot read the file" : "no such file")")
            throw ExitCode(1)
        }
        let name = URL(fileURLWithPath: file).lastPathComponent
        try await api.withConnection { connection in
            let (report, reply) = try await connection.fetch(
                Report.self, .post, "/api/v1/devices/import", query: ["dry_run": dryRun ? "true" : "false", "file": name],
                body: data, contentType: contentType ?? "text/csv", timeout: .minutes(10))
            if api.json { return printRaw(reply.body) }
            let counts = "\(report.added) to add, \(report.updated) to update, \(report.unchanged) unchanged"
            if report.dryRun {
                print("\(report.file): \(report.rows) row(s) valid: \(counts). Dry run: nothing was changed.")
            } else if report.added + report.updated == 0 {
                print("\(report.file): imported \(report.rows) row(s): 0 added, 0 updated, \(report.unchanged) unchanged; "
                    + "the registry already matched the file.")
            } else {
                print("\(report.file): imported \(report.rows) row(s): \(report.added) added, \(report.updated) updated, "
                    + "\(report.unchanged) unchanged; the rule engine is watching them now.")
            }
        }
    }
}
