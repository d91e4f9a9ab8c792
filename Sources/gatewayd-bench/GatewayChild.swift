import AlertRules
import ArgumentParser
import DeviceModel
import Foundation
import GatewayRuntime
import Logging

/// `gatewayd-bench gateway-child`: the gateway under test, in a process of its own so that its memory is
/// measured alone. A synthetic deployment of `--devices` devices with every rule of `--config`.
struct GatewayChild: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "gateway-child", abstract: "(internal) the gateway under test",
                                                    shouldDisplay: false)

    @Option var config = "devices.yaml"
    @Option var devices = 10_000
    @Option var broker: String
    @Option var db: String
    @Option(name: .customLong("client-id")) var clientID: String?

    func run() async throws {
        MemoryRelease.reexecWithSingleArena()
        var logger = Logger(label: "bench-gateway")
        logger.logLevel = .error
        let ruleBook = try RegistryLoader.loadConfiguration(path: config).ruleBook
        let registry = try SyntheticDeployment.registry(deviceCount: devices)
        var settings = GatewaySettings(broker: try BrokerAddress(url: broker), databasePath: db)
        settings.clientID = clientID ?? "gatewayd-bench-\(getpid())"
        let gateway = try Gateway(settings: settings, configuration: GatewayConfiguration(registry: registry, ruleBook: ruleBook),
                                  logger: logger)
        try await gateway.run()
    }
}
