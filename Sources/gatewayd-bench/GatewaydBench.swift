import AlertRules
import ArgumentParser
import DeviceModel
import Foundation
import GatewayRuntime

@main
struct GatewaydBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gatewayd-bench",
        abstract: "Benchmarks of gatewayd. Prints a table for people and, last, one JSON line for machines.",
        subcommands: [EndToEnd.self, Rules.self, KillTest.self, CPUAtRate.self, ScaleBenchmark.self, ImportScaleBenchmark.self,
                      YardstickBenchmark.self, ConsoleFirstPaint.self, ReportBenchmark.self, GatewayChild.self],
        defaultSubcommand: EndToEnd.self
    )
}

/// `gatewayd-bench rules`: rule evaluation throughput of the pure engine.
struct Rules: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Messages/s through the rule engine with every rule of devices.yaml on a synthetic deployment."
    )

    @Option(help: "Configuration whose rules are used.")
    var config = "devices.yaml"

    @Option(help: "Registered devices (all types, evenly).")
    var devices = 10_000

    @Option(help: "Messages to evaluate.")
    var messages = 500_000

    @Option(help: "Share of abnormal readings and alarm events.")
    var abnormal = 0.01

    func run() throws {
        let ruleBook = try RegistryLoader.loadConfiguration(path: config).ruleBook
        _ = try RuleBenchmark.run(ruleBook: ruleBook, deviceCount: min(devices, 1000), messages: 20_000, abnormalShare: abnormal)
        let result = try RuleBenchmark.run(ruleBook: ruleBook, deviceCount: devices, messages: messages, abnormalShare: abnormal)
        print("rule engine: \(result.devices) devices, \(ruleBook.rules.count) rules (\(result.rules) device×rule pairs)")
        print(String(format: "  %d messages in %.2f s = %.0f messages/s, %d transitions", result.messages, result.seconds,
                     result.messagesPerSecond, result.transitions))
        print(String(format: "  tick over all absence timers and open alerts: %.2f ms", result.tickMillis))
        print(String(format: #"{"bench":"rules","devices":%d,"rules":%d,"messages":%d,"msgs_per_s":%.0f,"tick_ms":%.3f,"transitions":%d}"#,
                     result.devices, ruleBook.rules.count, result.messages, result.messagesPerSecond, result.tickMillis, result.transitions))
    }
}
