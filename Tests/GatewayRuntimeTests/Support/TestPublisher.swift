import Foundation
import LocalBroker
import GatewayRuntime

/// A real MQTT client for tests: publishes like a device, with a persistent session so QoS 1 messages
/// published while the broker is down are sent when it is back.
final class TestPublisher: @unchecked Sendable {
    let client: MosquittoClient

    /// `inflight`: QoS 1 messages in flight at once (a load generator opens the window).
    init(broker: String, clientID: String = "test-publisher-\(UUID().uuidString.prefix(8))", inflight: UInt32? = nil) throws {
        var options = MQTTOptions(broker: try BrokerAddress(url: broker), clientID: clientID)
        options.reconnectDelayMaxSeconds = 1
        options.maxInflightMessages = inflight
        client = try MosquittoClient(options: options)
    }

    /// Connects and waits for the CONNACK.
    func connect() async throws {
        try client.start()
        for await event in client.events {
            if case .connected = event { return }
            if case let .loopExited(error) = event { throw BrokerError("publisher loop ended: \(error ?? "-")") }
        }
    }

    /// Waits for the next CONNACK (after the broker came back), at most `timeout`.
    func reconnected(timeout: Duration = .seconds(30)) async -> Bool {
        let client = self.client
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await event in client.events {
                    if case .connected = event { return true }
                }
                return false
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    func publish(_ topic: String, _ json: String, qos: Int32 = 1) throws {
        try client.publish(topic: topic, payload: Data(json.utf8), qos: qos)
    }

    func publish(_ topic: String, bytes: Data, qos: Int32 = 1) throws {
        try client.publish(topic: topic, payload: bytes, qos: qos)
    }

    /// Publications not yet acknowledged by the broker.
    var pending: Int { client.pendingOutgoing }

    func disconnect() async {
        await client.stop()
    }
}
