import Foundation
import GatewayRuntime
import LocalBroker
import Testing

/// The alarm console in a real browser against the real daemon: `Tests/Browser/console_test.py` drives
/// Debian's headless Chromium (chromium-driver, python3-selenium; nothing downloaded) and asks this test to
/// publish as a device, check the MQTT alert payload and restart the gateway. Screenshots of the board and the
/// timeline go to `.build/console-test/` (the path is printed). Without Chromium the test fails and says what
/// to install: CI installs it (`scripts/install-deps.sh`).
@Suite(.serialized) struct BrowserConsoleTests {
    @Test func anOperatorSeesAFallAcknowledgesAndResolvesItAndThePageSurvivesARestart() async throws {
        let missing = BrowserScript.missingTools()
        guard missing.isEmpty else {
            Issue.record("""
                the browser test needs \(missing.joined(separator: ", ")): run scripts/install-deps.sh \
                (chromium, chromium-driver, python3-selenium, fonts-noto-cjk)
                """)
            return
        }
        let root = GatewayDaemon.repositoryRoot
        let output = root.appendingPathComponent(".build/console-test", isDirectory: true)
        try? FileManager.default.removeItem(at: output)
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        print("browser test screenshots: \(output.path)")

        try await withBroker { broker in
            let directory = try TemporaryDirectory.make(prefix: "browser")
            let config = directory.appendingPathComponent("devices.yaml")
            try TestRegistry.yaml.write(to: config, atomically: true, encoding: .utf8)
            let daemon = GatewayDaemon(broker: broker.url, directory: directory, config: config.path, clientID: "gatewayd-browser")
            try await daemon.start()
            let device = try TestPublisher(broker: broker.url)
            try await device.connect()
            let console = try TestSubscriber(broker: broker.url, filter: "alerts/#")
            try await console.connect()

            let script = BrowserScript(script: root.appendingPathComponent("Tests/Browser/console_test.py"),
                                       arguments: ["--url", daemon.base, "--token", "console-secret", "--out", output.path])
            let outcome = try await script.run { command in
                await Self.carryOut(command, daemon: daemon, device: device, console: console)
            }
            #expect(outcome.status == 0, "the browser script failed:\n\(outcome.log)\n--- gatewayd log ---\n\(daemon.log.suffix(3000))")
            for name in ["board.png", "timeline.png"] {
                #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent(name).path), "\(name) was not saved")
            }
            // What the page did is what the database has.
            #expect(try daemon.count("SELECT COUNT(*) FROM alerts WHERE device = 'band-1' AND state = 'resolved'") == 1)
            #expect(try daemon.count("SELECT COUNT(*) FROM audit_log WHERE actor = 'console-01' AND action = 'alert.resolve'") == 1)

            await console.disconnect()
            await device.disconnect()
            daemon.terminate()
        }
    }

    /// One request of the browser script; the answer is `ok [detail]` or `fail <why>`.
    static func carryOut(_ command: String, daemon: GatewayDaemon, device: TestPublisher, console: TestSubscriber) async -> String {
        let parts = command.split(separator: " ").map(String.init)
        do {
            switch parts.first {
            case "publish":
                let (topic, event) = parts.last == "fall" ? ("devices/xingfuli/band-1/event", "fall_detected")
                    : ("devices/xingfuli/smoke-1/event", "smoke_alarm")
                try device.publish(topic, #"{"ts": \#(nowMillis()), "event": "\#(event)"}"#)
                return "ok"
            case "expect-acked", "expect-resolved":
                let id = parts.count > 1 ? parts[1] : ""
                let wanted = parts[0] == "expect-acked" ? "acknowledged" : "resolved"
                let payload = await eventuallyValue {
                    console.json().last { $0["id"] as? String == id && $0["state"] as? String == wanted }
                }
                guard let payload else { return "fail no \(wanted) payload for \(id) on alerts/#" }
                let by = payload[wanted == "acknowledged" ? "acknowledged_by" : "resolved_by"] as? String ?? "-"
                guard by == "console-01" else { return "fail \(wanted) by \(by), not console-01" }
                return "ok state=\(wanted) by=\(by) resolution=\(payload["resolution"] as? String ?? "-")"
            case "restart":
                guard daemon.terminate() == 0 else { return "fail gatewayd did not stop cleanly" }
                try await daemon.start(keepingPort: true)
                return "ok"
            default:
                return "fail unknown command \(command)"
            }
        } catch {
            return "fail \(error)"
        }
    }
}
