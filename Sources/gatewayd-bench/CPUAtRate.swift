import ArgumentParser
import DeviceModel
import Foundation
import LocalBroker

/// `gatewayd-bench cpu`: the gateway's CPU at a steady, modest rate (a small community's box should idle):
/// QoS 1 telemetry at `--rate` for `--seconds` to the gateway (10,000 synthetic devices, a child process),
/// CPU time read from /proc before and after.
struct CPUAtRate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cpu", abstract: "Gateway CPU (cores, µs a message) at a fixed rate.")

    @Option(help: "Offered messages per second.") var rate = 1000
    @Option(help: "Seconds of load.") var seconds = 20
    @Option(help: "Configuration whose rules are used.") var config = "devices.yaml"

    func run() async throws {
        let broker = try MosquittoBroker(persistence: false)
        try broker.start()
        defer { broker.stop() }
        let child = try await GatewayProcess.start(broker: broker.url, devices: 10_000, config: config)
        defer { child.stop() }
        let devices = try SyntheticDeployment.registry(deviceCount: 10_000).sortedDevices
        var generator = MessageGenerator(devices: devices, abnormalShare: 0.01)
        let load = try LoadGenerator(broker: broker.url, connections: 1)
        try await load.connect()
        var times = DeviceTimestamps()
        try await Task.sleep(for: .seconds(2))  // start-up work done
        let cpuBefore = child.cpuSeconds
        let recordsBefore = child.recordCount
        let started = ContinuousClock.now
        let total = rate * seconds
        for index in 0..<total {
            try await load.publishNext(index, generator: &generator, times: &times)
            let due = started.advanced(by: .seconds(Double(index + 1) / Double(rate)))
            if due > ContinuousClock.now { try await Task.sleep(until: due, clock: .continuous) }
        }
        let deadline = ContinuousClock.now + .seconds(30)
        while child.recordCount - recordsBefore < total, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        let wall = (ContinuousClock.now - started).seconds
        let cpu = child.cpuSeconds - cpuBefore
        let stored = child.recordCount - recordsBefore
        await load.disconnect()
        let cores = cpu / wall
        let perMessage = cpu / Double(max(1, stored)) * 1e6
        print(String(format: "offered %d msg/s QoS 1 for %d s: %d stored; gateway CPU %.3f core (%.1f µs a message)",
                     rate, seconds, stored, cores, perMessage))
        print(String(format: #"{"bench":"cpu","rate":%d,"stored":%d,"cores":%.4f,"us_per_msg":%.1f}"#, rate, stored, cores, perMessage))
    }
}
