import ArgumentParser
import Foundation
import LocalBroker
#if canImport(Glibc)
import Glibc
#endif

/// `gatewayd-bench import-scale`: the imported-fleet path at district scale. Writes a devices.yaml with `--devices`
/// residents (one relative each) beside the sample's site configuration and a CSV of as many wristbands, runs the real
/// `gatewayd run` against mosquitto, imports the CSV with the real `gatewayd devices import` (dry run, import, and the
/// same file again), then restarts the daemon on that database: start → subscribed with the registrations in SQLite.
struct ImportScaleBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-scale",
        abstract: "Import N wristbands with `gatewayd devices import`, then start the real gatewayd with them (the user's path)."
    )

    @Option(help: "Site configuration the residents are added to (its api_tokens must accept --token as installer).")
    var config = "devices.yaml"

    @Option(help: "Residents in the generated devices.yaml and wristbands in the CSV.")
    var devices = 100_000

    @Option(help: "Installer token of the configuration.")
    var token = "demo-installer-token"

    @Option(help: "The gatewayd executable (default: beside this benchmark).")
    var gatewayd: String?

    func run() async throws {
        let executable = try GatewaydExecutable.resolve(gatewayd)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gatewayd-import-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let configPath = directory.appendingPathComponent("devices.yaml").path
        let csvPath = directory.appendingPathComponent("fleet.csv").path
        let (yaml, csv) = Self.files(base: try String(contentsOfFile: config, encoding: .utf8), count: devices)
        try yaml.write(toFile: configPath, atomically: true, encoding: .utf8)
        try csv.write(toFile: csvPath, atomically: true, encoding: .utf8)
        print("devices.yaml with \(devices) residents: \(yaml.utf8.count / 1_000_000) MB; fleet.csv with \(devices) wristbands: "
            + "\(csv.utf8.count / 1_000_000) MB")

        let broker = try MosquittoBroker(persistence: false)
        try broker.start()
        defer { broker.stop() }
        let port = try FreePort.find()
        let api = "http://127.0.0.1:\(port)"
        let database = directory.appendingPathComponent("g.sqlite").path
        func startDaemon(_ log: String) async throws -> (pid: pid_t, seconds: Double, peak: Double) {
            let start = ContinuousClock.now
            let pid = try ChildProcess.spawn(executable, [
                "run", "--config", configPath, "--broker", broker.url, "--db", database, "--http", "127.0.0.1:\(port)",
                "--log-level", "info", "--client-id", "gatewayd-import-\(getpid())",
            ], output: log)
            guard await ScaleBenchmark.waitFor(log, containing: "devices/#", count: 1) else {
                ChildProcess.terminate(pid)
                throw ValidationError("gatewayd did not subscribe; see \(log)")
            }
            return (pid, ScaleBenchmark.seconds(ContinuousClock.now - start), ProcessMemory.peakRSSMegabytes(pid: pid) ?? 0)
        }
        func importCSV(_ extra: [String], daemon: pid_t) throws -> (seconds: Double, peak: Double, output: String) {
            try? "5".write(toFile: "/proc/\(daemon)/clear_refs", atomically: false, encoding: .utf8)
            let output = directory.appendingPathComponent("import.log").path
            try? FileManager.default.removeItem(atPath: output)
            let start = ContinuousClock.now
            let pid = try ChildProcess.spawn(executable, ["devices", "import", csvPath, "--api", api] + extra, output: output,
                                             environment: ["GATEWAYD_TOKEN": token])
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            let seconds = ScaleBenchmark.seconds(ContinuousClock.now - start)
            let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            guard status == 0 else { throw ValidationError("gatewayd devices import failed: \(text.prefix(2000))") }
            return (seconds, ProcessMemory.peakRSSMegabytes(pid: daemon) ?? 0, text.trimmingCharacters(in: .whitespacesAndNewlines))
        }

        let first = try await startDaemon(directory.appendingPathComponent("gatewayd-1.log").path)
        let dry = try importCSV(["--dry-run"], daemon: first.pid)
        let imported = try importCSV([], daemon: first.pid)
        let again = try importCSV([], daemon: first.pid)
        ChildProcess.terminate(first.pid)
        print(dry.output)
        print(imported.output)
        print(again.output)

        let secondLog = directory.appendingPathComponent("gatewayd-2.log").path
        let second = try await startDaemon(secondLog)
        try await Task.sleep(for: .seconds(3))
        let settled = ProcessMemory.currentRSSMegabytes(pid: second.pid) ?? 0
        // A reload with the registrations in force: its own peak (VmHWM reset through clear_refs).
        try? "5".write(toFile: "/proc/\(second.pid)/clear_refs", atomically: false, encoding: .utf8)
        let reloadStart = ContinuousClock.now
        kill(second.pid, SIGHUP)
        guard await ScaleBenchmark.waitFor(secondLog, containing: "configuration reloaded", count: 1) else {
            ChildProcess.terminate(second.pid)
            throw ValidationError("gatewayd did not reload; see \(secondLog)")
        }
        let reloadSeconds = ScaleBenchmark.seconds(ContinuousClock.now - reloadStart)
        let reloadPeak = ProcessMemory.peakRSSMegabytes(pid: second.pid) ?? 0
        ChildProcess.terminate(second.pid)

        print("measure                                   value")
        print(String(format: "gatewayd run (YAML residents only)        %.2f s to subscribed, peak %.0f MB", first.seconds, first.peak))
        print(String(format: "devices import --dry-run                  %.2f s, daemon peak %.0f MB", dry.seconds, dry.peak))
        print(String(format: "devices import (all added)                %.2f s, daemon peak %.0f MB", imported.seconds, imported.peak))
        print(String(format: "devices import again (all unchanged)      %.2f s, daemon peak %.0f MB", again.seconds, again.peak))
        print(String(format: "gatewayd run with the registrations       %.2f s to subscribed, peak %.0f MB, %.0f MB settled",
                     second.seconds, second.peak, settled))
        print(String(format: "reload (SIGHUP) with the registrations    %.2f s, peak %.0f MB", reloadSeconds, reloadPeak))
        print(String(format: #"{"bench":"import-scale","devices":%d,"dry_run_s":%.2f,"import_s":%.2f,"import_peak_mb":%.0f,"reimport_s":%.2f,"start_s":%.2f,"start_peak_mb":%.0f,"settled_mb":%.0f,"reload_s":%.2f,"reload_peak_mb":%.0f}"#,
                     devices, dry.seconds, imported.seconds, imported.peak, again.seconds, second.seconds, second.peak, settled,
                     reloadSeconds, reloadPeak))
    }

    /// The site configuration with `count` residents (one relative each), and a CSV of their wristbands.
    static func files(base: String, count: Int) -> (yaml: String, csv: String) {
        var residents = "", csv = "id,type,community,grid,building,room,vendor,model,serial,installer,resident,state\n"
        residents.reserveCapacity(count * 200)
        csv.reserveCapacity(count * 110)
        for index in 0..<count {
            let id = String(format: "%06d", index)
            let building = 1 + index % 40, room = "\(1 + (index / 40) % 30)0\(1 + index % 4)"
            residents += "  - {id: r\(id), name: 居民\(index % 1000), community: xingfuli, building: \"\(building)\", room: \"\(room)\", "
                + "relatives: [{name: 亲属\(index % 1000), relation: 子女, phone: \"13\(index % 9 + 1)\(String(format: "%08d", index))\"}]}\n"
            csv += "wb-\(id),wristband,xingfuli,330106005001,\(building),\(room),小米有品,L1,S\(id),inst-wang,r\(id),commissioned\n"
        }
        return (base.replacingOccurrences(of: "\nresidents:\n", with: "\nresidents:\n" + residents), csv)
    }
}
