import AsyncHTTPClient
import Foundation
import GatewayRuntime
import LocalBroker
import Testing

/// A gateway with its HTTP API on a free port, a real HTTP client and a device publisher, against a test
/// broker; everything stopped afterwards, also when `body` throws.
func withHTTPGateway(
    prefix: String, configure: @escaping (inout GatewaySettings, URL) -> Void = { _, _ in },
    _ body: (RunningGateway, APIClient, TestPublisher, MosquittoBroker, URL) async throws -> Void
) async throws {
    try await withBroker { broker in
        let directory = try TemporaryDirectory.make(prefix: prefix)
        // The configuration's file, so that a reload (SIGHUP, POST /api/v1/admin/reload) has one to re-read.
        let configPath = directory.appendingPathComponent("devices.yaml").path
        try TestRegistry.yaml.write(toFile: configPath, atomically: true, encoding: .utf8)
        let gateway = try RunningGateway(broker: broker.url, databasePath: directory.appendingPathComponent("g.sqlite").path,
                                         configure: { settings in
                                             settings.configPath = configPath
                                             settings.http = HTTPServerSettings(host: "127.0.0.1", port: 0)
                                             // The auth matrix fails on purpose many times a minute from loopback.
                                             settings.http?.authFailuresPerMinute = 0
                                             configure(&settings, directory)
                                         })
        try await gateway.start()
        let port = try #require(await eventuallyValue { gateway.gateway.httpPort })
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let device = try TestPublisher(broker: broker.url)
        try await device.connect()
        do {
            try await body(gateway, APIClient(base: "http://127.0.0.1:\(port)", client: client), device, broker, directory)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
        await device.disconnect()
        try await gateway.stop()
    }
}
