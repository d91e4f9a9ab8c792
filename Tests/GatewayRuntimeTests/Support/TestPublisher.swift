import Foundation
import LocalBroker
import GatewayRuntime
import Synchronization

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
        let events = client.events
        for await event in events {
            if case .connected = event { break }
            if case let .loopExited(error) = event { throw BrokerError("publisher loop ended: \(error ?? "-")") }
        }
        connectCount.withLock { $0 += 1 }
        // Later connects (after a broker restart) are counted as they come.
        Task {
            for await event in events {
                if case .connected = event { self.connectCount.withLock { $0 += 1 } }
            }
        }
    }

    /// CONNACKs received so far (a reconnect after the broker came back adds one).
    var connections: Int { connectCount.withLock { $0 } }
    private let connectCount = Mutex(0)

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
