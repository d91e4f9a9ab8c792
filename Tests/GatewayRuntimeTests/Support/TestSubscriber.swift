import Foundation
import GatewayRuntime
import Synchronization

/// A real MQTT client that subscribes (like the alarm console) and records everything it receives.
final class TestSubscriber: Sendable {
    let client: MosquittoClient
    private let received = Mutex<[InboundMessage]>([])

    init(broker: String, filter: String, username: String? = nil, password: String? = nil) throws {
        var options = MQTTOptions(broker: try BrokerAddress(url: broker), clientID: "test-console-\(UUID().uuidString.prefix(8))")
        options.username = username
        options.password = password
        options.cleanSession = true
        options.subscriptions = [filter]
        // Keeps nothing: acknowledges on receipt, never holds the network thread.
        client = try MosquittoClient(options: options, inbox: CommitHandoff(waitsForCommit: false))
    }

    /// Connects, subscribes and starts recording.
    func connect() async throws {
        try client.start()
        for await event in client.events {
            if case .connected = event { break }
        }
        let inbox = client.inbox
        Task {
            while let batch = await inbox.takeBatch() { self.record(batch) }
        }
        try await Task.sleep(for: .milliseconds(100))
    }

    private func record(_ batch: [InboundMessage]) { received.withLock { $0 += batch } }

    var messages: [InboundMessage] { received.withLock { $0 } }

    /// Decoded JSON objects received on topics with `prefix`, skipping empty (retained-clearing) payloads.
    func json(prefix: String = "alerts/") -> [[String: Any]] {
        messages.filter { $0.topic.hasPrefix(prefix) && !$0.payload.isEmpty }.compactMap {
            try? JSONSerialization.jsonObject(with: $0.payload) as? [String: Any]
        }
    }

    func disconnect() async { await client.stop() }
}

/// A clock tests move by hand (epoch ms).
final class ManualClock: Sendable {
    private let value: Mutex<Int64>
    init(_ start: Int64) { value = Mutex(start) }
    var now: Int64 { value.withLock { $0 } }
    func advance(seconds: Int64) { value.withLock { $0 += seconds * 1000 } }
    var closure: @Sendable () -> Int64 { { self.now } }
}
