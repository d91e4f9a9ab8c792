import ArgumentParser
import DeviceModel
import Foundation
import LocalBroker

/// `gatewayd-bench kill-test`: QoS 1 telemetry at a fixed rate to the gateway (10,000 synthetic devices, a
/// child process), `kill -9` of the gateway mid-stream, a restart with the same client id and database,
/// then the count: what the broker accepted against the rows in `events`.
struct KillTest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kill-test",
        abstract: "Messages lost after kill -9 of the gateway under QoS 1 load (should be 0)."
    )

    @Option(help: "Offered messages per second.") var rate = 10_000
    @Option(help: "Seconds of load.") var seconds = 6
    @Option(help: "Seconds into the load when the gateway is killed.") var killAfter = 3.0
    @Option(help: "Configuration whose rules are used.") var config = "devices.yaml"

    func run() async throws {
        let broker = try MosquittoBroker(persistence: false)
        try broker.start()
        defer { broker.stop() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gatewayd-kill-\(UUID().uuidString)")
        let clientID = "gatewayd-kill-test-\(getpid())"
        let first = try await GatewayProcess.start(broker: broker.url, devices: 10_000, config: config, directory: directory, clientID: clientID)
        let devices = try SyntheticDeployment.registry(deviceCount: 10_000).sortedDevices
        var generator = MessageGenerator(devices: devices, abnormalShare: 0.01)
        let load = try LoadGenerator(broker: broker.url, connections: 4)
        try await load.connect()
        var times = DeviceTimestamps()
        let total = rate * seconds
        let tick = 0.005
        let perTick = max(1, Int(Double(rate) * tick))
        let started = ContinuousClock.now
        var killed: (at: Int, stored: Int)?
        var index = 0
        while index < total {
            for _ in 0..<perTick where index < total {
                try await load.publishNext(index, generator: &generator, times: &times)
                index += 1
            }
            if killed == nil, ContinuousClock.now - started >= .seconds(killAfter) {
                first.kill9()
                killed = (index, first.recordCount)
            }
            let due = started.advanced(by: .seconds(Double(index) / Double(rate)))
            if due > ContinuousClock.now { try await Task.sleep(until: due, clock: .continuous) }
        }
        let offered = Double(total) / (ContinuousClock.now - started).seconds
        // Everything published is accepted by the broker (its PUBACK to the load generator).
        let acceptDeadline = ContinuousClock.now + .seconds(60)
        while load.pending > 0, ContinuousClock.now < acceptDeadline { try await Task.sleep(for: .milliseconds(20)) }
        let accepted = total - load.pending
        let second = try await GatewayProcess.start(broker: broker.url, devices: 10_000, config: config, directory: directory, clientID: clientID)
        let deadline = ContinuousClock.now + .seconds(120)
        var last = -1
        var stableSince = ContinuousClock.now
        while ContinuousClock.now < deadline {
            let count = second.recordCount
            if count >= accepted { break }
            if count != last { last = count; stableSince = ContinuousClock.now }
            if ContinuousClock.now - stableSince > .seconds(10) { break }  // nothing more is coming
            try await Task.sleep(for: .milliseconds(100))
        }
        let stored = second.recordCount
        second.stop()
        await load.disconnect()
        let lost = max(0, accepted - stored)
        print(String(format: "offered %.0f msg/s QoS 1 for %d s; killed (kill -9) after %d published, %d stored", offered, seconds,
                     killed?.at ?? -1, killed?.stored ?? -1))
        print("accepted by the broker: \(accepted); events + dead letters after restart: \(stored)")
        print("lost after kill -9: \(lost)")
        print(#"{"bench":"kill-test","rate":\#(rate),"accepted":\#(accepted),"stored":\#(stored),"lost":\#(lost)}"#)
    }
}
