import AlertRules
import ArgumentParser
import DeviceModel
import Foundation
import GatewayRuntime

/// `gatewayd simulate`: publishes realistic device traffic with injected incidents, to watch a
/// commissioning end to end without the real devices.
struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Publish realistic traffic for every device of a registry, with injected incidents, to an MQTT broker.",
        discussion: """
            Watch a commissioning end to end without touching the real devices:
              1. run the gateway (with its HTTP API):
                   gatewayd run --config devices.yaml --http 127.0.0.1:8080
              2. in a second terminal, run the simulator:
                   gatewayd simulate --config devices.yaml --duration 2m
              3. watch what the gateway made of it (operator token):
                   export GATEWAYD_TOKEN=…
                   gatewayd alerts list
                   gatewayd alerts show <id>

            Every device of the file that is not decommissioned first reports `online`, then sends telemetry \
            within its type's normal ranges (heart rate 60–85, SpO2 95–99, battery 60–100, smoke value 0–50, \
            0–3 %LEL, …); access terminals and cameras also report people passing (face_auth_passed). Topics and \
            payloads follow the README's MQTT contract; `ts` is the current time in epoch ms, strictly \
            increasing per device and channel, so the gateway stores every message once. A device with a vendor \
            `binding` publishes what its product mapping can express in its platform's format (Alink, OneNET, \
            IoTDA topics and JSON), the rest on the canonical topics.

            Every --incidents interval one incident is injected, each family in turn: fall_detected \
            (wristband or fall radar), sos (SOS pendant), a heart rate of 135 held over 2 min 15 s of device \
            time (compressed: the band's clock advances 15 s per reading; the band then stays high so the alert \
            stays open), door_forced (access terminal), a burst of 5 face_auth_failed, smoke_alarm followed by \
            smoke_clear 5 s later, gas_alarm level 2, water_leak, and object_throwing, ebike_in_elevator and \
            fire_lane_blocked on video analytics (a blocked fire lane only becomes an alert after 10 min \
            without fire_lane_cleared). Devices under a maintenance silence are not chosen for incidents.

            This command talks MQTT to the broker only; it does not need the daemon's HTTP API. Use a test \
            broker or a test registry: the gateway cannot tell simulated devices from real ones. \
            Ctrl-C stops cleanly (waits for the broker's acknowledgements); a second Ctrl-C exits at once.
            """
    )

    @Option(help: "Registry file whose devices are simulated. [env: GATEWAYD_CONFIG, default: devices.yaml]")
    var config: String?

    @Option(help: "Broker URL, mqtt://host:port or mqtts://host:port. [env: GATEWAYD_BROKER, default: mqtt://127.0.0.1:1883]")
    var broker: String?

    @Option(help: "Messages per second, over all devices.")
    var rate: Double = 20

    @Option(help: "How long to run, e.g. 60s, 5m (default 60s when --count is not given).")
    var duration: String?

    @Option(help: "Stop after this many messages instead (an incident in progress is completed).")
    var count: Int?

    @Option(help: "Inject an incident every interval, e.g. \"every 10s\", 30s; \"off\" for normal traffic only.")
    var incidents = "every 10s"

    @Option(help: "MQTT QoS of the published messages: 0, 1 or 2.")
    var qos: Int32 = 1

    @Option(name: .customLong("mqtt-username"), help: "Broker username; the password comes from GATEWAYD_MQTT_PASSWORD. [env: GATEWAYD_MQTT_USERNAME]")
    var mqttUsername: String?

    @Option(name: .customLong("mqtt-ca-file"), help: "CA certificate file for mqtts://. [env: GATEWAYD_MQTT_CA_FILE]")
    var mqttCAFile: String?

    func validate() throws {
        guard rate > 0, rate <= 10_000 else { throw ValidationError("--rate must be above 0 and at most 10000 messages per second") }
        guard (0...2).contains(qos) else { throw ValidationError("--qos must be 0, 1 or 2") }
        if duration != nil, count != nil { throw ValidationError("give --duration or --count, not both") }
        if let count, count <= 0 { throw ValidationError("--count must be positive") }
        if let duration, DurationText.seconds(duration) == nil { throw ValidationError("--duration \(duration): use e.g. 60s, 5m or 1h") }
        _ = try incidentInterval()
    }

    /// `every 10s`, `10s` → 10 s; `off`, `none`, `0` → no incidents.
    func incidentInterval() throws -> Duration? {
        var text = incidents.trimmingCharacters(in: .whitespaces).lowercased()
        if ["off", "none", "no", "0"].contains(text) { return nil }
        if text.hasPrefix("every ") { text = String(text.dropFirst(6)) }
        guard let seconds = DurationText.seconds(text) else {
            throw ValidationError("--incidents \(incidents): use e.g. \"every 10s\", 30s or off")
        }
        return .seconds(seconds)
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let path = config ?? environment["GATEWAYD_CONFIG"] ?? "devices.yaml"
        let configuration: GatewayConfiguration
        do {
            configuration = try RegistryLoader.loadConfiguration(path: path)
        } catch {
            for issue in error.issues { printError(issue.description) }
            printError("gatewayd: error: \(path) is not a valid registry (see `gatewayd check \(path)`)")
            throw ExitCode(1)
        }
        let devices = configuration.registry.sortedDevices.filter { $0.state != .decommissioned }
        guard !devices.isEmpty else {
            printError("gatewayd: error: \(path) has no device that is not decommissioned")
            throw ExitCode(1)
        }
        let address: BrokerAddress
        do {
            address = try BrokerAddress(url: broker ?? environment["GATEWAYD_BROKER"] ?? "mqtt://127.0.0.1:1883")
        } catch {
            printError("gatewayd: error: \(error)")
            throw ExitCode(1)
        }
        let publisher = try SimulationPublisher(broker: address, qos: qos, username: mqttUsername ?? environment["GATEWAYD_MQTT_USERNAME"],
                                                password: environment["GATEWAYD_MQTT_PASSWORD"],
                                                caFile: mqttCAFile ?? environment["GATEWAYD_MQTT_CA_FILE"],
                                                vendor: VendorWire(products: configuration.registry.products))
        do {
            try await publisher.connect(timeout: .seconds(10))
        } catch {
            await publisher.stop()
            printError("gatewayd: error: cannot connect to the MQTT broker at \(address): \(error)")
            throw ExitCode(1)
        }
        let interrupt = InterruptFlag.install()
        let every = try incidentInterval()
        let limit: SimulationLoop.Limit = count.map { .count($0) } ?? .duration(.seconds(DurationText.seconds(duration ?? "60s") ?? 60))
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let script = IncidentScript(devices: devices, silences: configuration.silences, overrides: configuration.ruleBook.overrides, now: now)
        printError(introduction(devices: devices.count, path: path, broker: address, limit: limit, every: every, script: script))

        var loop = SimulationLoop(publisher: publisher, interrupt: interrupt, devices: devices, script: script, rate: rate,
                                  limit: limit, incidentEvery: every)
        let interrupted = await loop.run()
        if publisher.pending > 0, qos > 0 { printError("waiting for \(publisher.pending) PUBACK(s) from the broker (at most 10 s) …") }
        let unacknowledged = qos > 0 ? await publisher.drain(timeout: .seconds(10)) : 0
        await publisher.stop()
        print(loop.progress.summary(devices: devices.count, broker: address.description, qos: qos, unacknowledged: unacknowledged,
                                    interrupted: interrupted))
        if unacknowledged > 0 || loop.progress.failed > 0 { throw ExitCode(1) }
    }

    private func introduction(devices: Int, path: String, broker: BrokerAddress, limit: SimulationLoop.Limit, every: Duration?,
                              script: IncidentScript) -> String {
        let length: String = switch limit {
        case let .count(count): "\(count) messages"
        case let .duration(duration): "\(duration.components.seconds) s"
        }
        var text = "Simulating \(devices) devices of \(path) on \(broker): \(String(format: "%g", rate)) msg/s for \(length), "
            + (every.map { "an incident every \($0.components.seconds) s" } ?? "no incidents") + " (Ctrl-C stops)."
        if every != nil, !script.missingKinds.isEmpty {
            text += "\nNo device for: \(script.missingKinds.map { "\($0)" }.joined(separator: ", ")) — skipped."
        }
        return text
    }
}
