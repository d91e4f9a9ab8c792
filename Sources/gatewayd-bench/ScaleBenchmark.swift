import ArgumentParser
import Foundation
import LocalBroker
#if canImport(Glibc)
import Glibc
#endif

/// `gatewayd-bench scale`: the user's path at district scale. Writes a devices.yaml with `--devices` wristbands
/// (and as many residents, one relative each) beside the sample's site configuration, then measures the real
/// `gatewayd`: `check` (time, peak RSS), `run` against mosquitto (start → subscribed, peak and settled RSS) and a
/// reload (SIGHUP: time, peak RSS during it, RSS after).
struct ScaleBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scale",
        abstract: "Start, memory and reload of the real gatewayd on a devices.yaml with N devices (the user's path)."
    )

    @Option(help: "Site configuration the fleet is added to.")
    var config = "devices.yaml"

    @Option(help: "Wristbands (and residents) in the generated file.")
    var devices = 100_000

    @Option(help: "The gatewayd executable (default: beside this benchmark).")
    var gatewayd: String?

    func run() async throws {
        let executable = try GatewaydExecutable.resolve(gatewayd)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gatewayd-scale-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let fleet = directory.appendingPathComponent("devices.yaml")
        let base = try String(contentsOfFile: config, encoding: .utf8)
        let text = Self.fleet(base: base, count: devices)
        try text.write(to: fleet, atomically: true, encoding: .utf8)
        print("devices.yaml with \(devices) wristbands and residents: \(text.utf8.count / 1_000_000) MB")

        // gatewayd check: wall time and peak RSS (VmHWM, read while it runs: wait4's ru_maxrss of a posix_spawn child
        // also counts this process's own peak — the child shares its memory until it execs — ~200 MB of fleet text here).
        let checkStart = ContinuousClock.now
        let checkPID = try ChildProcess.spawn(executable, ["check", fleet.path], output: directory.appendingPathComponent("check.log").path)
        var status: Int32 = 0
        var checkPeakMB = 0.0
        while waitpid(checkPID, &status, WNOHANG) == 0 {
            checkPeakMB = max(checkPeakMB, ProcessMemory.peakRSSMegabytes(pid: checkPID) ?? 0)
            usleep(10_000)
        }
        let checkSeconds = Self.seconds(ContinuousClock.now - checkStart)

        let broker = try MosquittoBroker(persistence: false)
        try broker.start()
        defer { broker.stop() }
        let log = directory.appendingPathComponent("gatewayd.log").path
        let runStart = ContinuousClock.now
        let pid = try ChildProcess.spawn(executable, [
            "run", "--config", fleet.path, "--broker", broker.url, "--db", directory.appendingPathComponent("g.sqlite").path,
            "--log-level", "info", "--client-id", "gatewayd-scale-\(getpid())",
        ], output: log)
        defer { ChildProcess.terminate(pid) }
        guard await Self.waitFor(log, containing: "devices/#", count: 1) else { throw ValidationError("gatewayd did not subscribe; see \(log)") }
        let startSeconds = Self.seconds(ContinuousClock.now - runStart)
        let startPeak = ProcessMemory.peakRSSMegabytes(pid: pid) ?? 0
        try await Task.sleep(for: .seconds(3))
        let settled = ProcessMemory.currentRSSMegabytes(pid: pid) ?? 0

        // Reload: the peak is measured from here (VmHWM reset through clear_refs).
        try? "5".write(toFile: "/proc/\(pid)/clear_refs", atomically: false, encoding: .utf8)
        let reloadStart = ContinuousClock.now
        kill(pid, SIGHUP)
        guard await Self.waitFor(log, containing: "configuration reloaded", count: 1) else {
            throw ValidationError("gatewayd did not reload; see \(log)")
        }
        let reloadSeconds = Self.seconds(ContinuousClock.now - reloadStart)
        let reloadPeak = ProcessMemory.peakRSSMegabytes(pid: pid) ?? 0
        try await Task.sleep(for: .seconds(2))
        let afterReload = ProcessMemory.currentRSSMegabytes(pid: pid) ?? 0
        // A second reload: memory that grows again with it would be a leak, not the cost of one reload.
        kill(pid, SIGHUP)
        guard await Self.waitFor(log, containing: "configuration reloaded", count: 2) else {
            throw ValidationError("gatewayd did not reload a second time; see \(log)")
        }
        try await Task.sleep(for: .seconds(2))
        let afterSecondReload = ProcessMemory.currentRSSMegabytes(pid: pid) ?? 0

        print("measure                           value")
        print(String(format: "gatewayd check                    %.2f s, peak %.0f MB", checkSeconds, checkPeakMB))
        print(String(format: "gatewayd run: start → subscribed  %.2f s, peak %.0f MB, %.0f MB settled", startSeconds, startPeak, settled))
        print(String(format: "reload (SIGHUP)                   %.2f s, peak %.0f MB, %.0f MB after (%.0f MB after a second)", reloadSeconds,
                     reloadPeak, afterReload, afterSecondReload))
        print(String(format: #"{"bench":"scale","devices":%d,"check_s":%.2f,"check_peak_mb":%.0f,"start_s":%.2f,"start_peak_mb":%.0f,"settled_mb":%.0f,"reload_s":%.2f,"reload_peak_mb":%.0f,"after_reload_mb":%.0f,"after_second_reload_mb":%.0f}"#,
                     devices, checkSeconds, checkPeakMB, startSeconds, startPeak, settled, reloadSeconds, reloadPeak, afterReload,
                     afterSecondReload))
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Polls `path` until `text` appears `count` times (2 minutes at most).
    static func waitFor(_ path: String, containing text: String, count: Int) async -> Bool {
        let deadline = ContinuousClock.now.advanced(by: .seconds(120))
        while ContinuousClock.now < deadline {
            if let log = try? String(contentsOfFile: path, encoding: .utf8), log.components(separatedBy: text).count - 1 >= count { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    /// The site configuration with `count` residents (one relative each) and their wristbands added.
    static func fleet(base: String, count: Int) -> String {
        var residents = "", devices = ""
        residents.reserveCapacity(count * 200)
        devices.reserveCapacity(count * 260)
        for index in 0..<count {
            let id = String(format: "%06d", index)
            let building = 1 + index % 40, room = "\(1 + (index / 40) % 30)0\(1 + index % 4)"
            residents += "  - {id: r\(id), name: 居民\(index % 1000), community: xingfuli, building: \"\(building)\", room: \"\(room)\", "
                + "relatives: [{name: 亲属\(index % 1000), relation: 子女, phone: \"13\(index % 9 + 1)\(String(format: "%08d", index))\"}]}\n"
            devices += "  - {id: wb-\(id), type: wristband, community: xingfuli, grid: \"330106005001\", building: \"\(building)\", "
                + "room: \"\(room)\", vendor: V, model: M, serial: S\(id), installer: inst-wang, resident: r\(id), state: commissioned}\n"
        }
        return base.replacingOccurrences(of: "\nresidents:\n", with: "\nresidents:\n" + residents)
            .replacingOccurrences(of: "\ndevices:\n", with: "\ndevices:\n" + devices)
    }
}
