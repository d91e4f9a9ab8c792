import ArgumentParser
import DeviceModel
import Foundation
import GatewayRuntime
import GRDB
import LocalBroker
import Logging

/// `gatewayd-bench console`: first paint of the alarm console with `--alerts` open alerts. Starts a broker
/// and the gateway (HTTP on a free port) on a synthetic deployment, publishes one fall for each of `--alerts`
/// wristbands, waits until every alert is open, then has headless Chromium (`scripts/console-first-paint.py`,
/// python3-selenium) load `/console` signed in, `--runs` times, and reports from the browser's Performance API:
/// first contentful paint and the moment the board with every alert was painted.
struct ConsoleFirstPaint: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "console", abstract: "First paint of /console with many open alerts.")

    @Option(help: "Configuration whose rules are used.") var config = "devices.yaml"
    @Option(help: "Open alerts on the board.") var alerts = 1000
    @Option(help: "Page loads measured.") var runs = 5
    @Option(help: "The measuring script.") var script = "scripts/console-first-paint.py"

    func run() async throws {
        let broker = try MosquittoBroker(persistence: false)
        try broker.start()
        defer { broker.stop() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gatewayd-bench-console-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        let registry = try SyntheticDeployment.registry(deviceCount: alerts * (DeviceType.allCases.count + 1))
        let wristbands = registry.sortedDevices.filter { $0.type == .wristband }.prefix(alerts)
        guard wristbands.count == alerts else { throw ValidationError("the deployment has only \(wristbands.count) wristbands") }
        var configuration = GatewayConfiguration(registry: registry, ruleBook: try RegistryLoader.loadConfiguration(path: config).ruleBook)
        let token = "bench-console-token"
        configuration.apiTokens = [APIToken(id: "bench-console", role: .operator, sha256: Self.digest(token))]
        var settings = GatewaySettings(broker: try BrokerAddress(url: broker.url), databasePath: directory.appendingPathComponent("g.sqlite").path)
        settings.http = HTTPServerSettings(host: "127.0.0.1", port: 0)
        settings.http?.authFailuresPerMinute = 0
        var logger = Logger(label: "bench-console")
        logger.logLevel = .error
        let gateway = try Gateway(settings: settings, configuration: configuration, logger: logger)
        let running = Task { try await gateway.run() }
        defer { running.cancel() }
        while gateway.httpPort == nil || !gateway.mqtt.isConnected { try await Task.sleep(for: .milliseconds(50)) }

        let load = try LoadGenerator(broker: broker.url, connections: 1)
        try await load.connect()
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        for (index, device) in wristbands.enumerated() {
            let payload = Data(#"{"ts": \#(now + Int64(index)), "event": "fall_detected"}"#.utf8)
            try await load.publish(index, topic: "devices/\(device.community)/\(device.id)/event", payload: payload, qos: 1)
        }
        let started = ContinuousClock.now
        var open = 0
        while open < alerts {
            open = try await gateway.database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM alerts WHERE state = 'open'") ?? 0 }
            guard ContinuousClock.now - started < .seconds(120) else { throw ValidationError("only \(open) of \(alerts) alerts opened") }
            try await Task.sleep(for: .milliseconds(100))
        }
        await load.disconnect()
        print("\(open) open alerts; measuring /console \(runs) times in headless Chromium")

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [script, "--url", "http://127.0.0.1:\(gateway.httpPort ?? 0)", "--token", token,
                             "--alerts", String(alerts), "--runs", String(runs)]
        try process.run()
        process.waitUntilExit()
        await gateway.shutdown()
        _ = try? await running.value
        if process.terminationStatus != 0 { throw ExitCode(process.terminationStatus) }
    }

    static func digest(_ token: String) -> [UInt8] {
        let hex = APIToken.hash(token)
        return stride(from: 0, to: hex.count, by: 2).map { offset in
            let start = hex.index(hex.startIndex, offsetBy: offset)
            return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16) ?? 0
        }
    }
}
