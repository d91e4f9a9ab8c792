import DeviceModel
import Foundation
import GatewayRuntime
import Synchronization

/// Publishers that offer load: several connections, each with an open in-flight window.
final class LoadGenerator: Sendable {
    let clients: [MosquittoClient]

    init(broker: String, connections: Int) throws {
        clients = try (0..<connections).map { index in
            var options = MQTTOptions(broker: try BrokerAddress(url: broker), clientID: "bench-load-\(getpid())-\(index)")
            options.cleanSession = true
            options.maxInflightMessages = 1000
            return try MosquittoClient(options: options)
        }
    }

    func connect() async throws {
        for client in clients {
            try client.start()
            for await event in client.events { if case .connected = event { break } }
        }
    }

    /// Publishes, holding back while too many QoS 1 messages are unacknowledged (so memory stays bounded).
    func publish(_ index: Int, topic: String, payload: Data, qos: Int32) async throws {
        let client = clients[index % clients.count]
        while client.pendingOutgoing > 20_000 { try await Task.sleep(for: .microseconds(200)) }
        try client.publish(topic: topic, payload: payload, qos: qos)
    }

    var pending: Int { clients.reduce(0) { $0 + $1.pendingOutgoing } }

    func disconnect() async { for client in clients { await client.stop() } }
}

/// A plain subscriber that only counts (the broker pass-through baseline), or records when alerts arrive.
final class CountingSubscriber: Sendable {
    let client: MosquittoClient
    /// Alert arrivals by `device|last_source_ts`.
    private let state = Mutex<(count: Int, alertArrivals: [String: ContinuousClock.Instant], last: String)>((0, [:], ""))
    let recordAlerts: Bool

    init(broker: String, filter: String, recordAlerts: Bool) throws {
        var options = MQTTOptions(broker: try BrokerAddress(url: broker), clientID: "bench-sub-\(getpid())-\(UUID().uuidString.prefix(6))")
        options.cleanSession = true
        options.subscriptions = [filter]
        // Keeps nothing: acknowledges on receipt, never holds the network thread.
        client = try MosquittoClient(options: options, inbox: CommitHandoff(waitsForCommit: false))
        self.recordAlerts = recordAlerts
    }

    func connect() async throws {
        try client.start()
        for await event in client.events { if case .connected = event { break } }
        let inbox = client.inbox
        Task {
            while let batch = await inbox.takeBatch() {
                let now = ContinuousClock.now
                var arrivals: [(String, ContinuousClock.Instant)] = []
                if self.recordAlerts {
                    for message in batch {
                        guard !message.payload.isEmpty,
                              let object = try? JSONSerialization.jsonObject(with: message.payload) as? [String: Any],
                              let ts = (object["last_source_ts"] as? NSNumber)?.int64Value,
                              let device = object["device"] as? String else { continue }
                        arrivals.append(("\(device)|\(ts)", now))
                    }
                }
                self.record(batch.count, arrivals, last: batch.last.map { String(decoding: $0.payload, as: UTF8.self) })
            }
        }
        try await Task.sleep(for: .milliseconds(100))
    }

    private func record(_ count: Int, _ arrivals: [(String, ContinuousClock.Instant)], last: String?) {
        state.withLock { state in
            state.count += count
            if let last { state.last = last }
            for (ts, at) in arrivals where state.alertArrivals[ts] == nil { state.alertArrivals[ts] = at }
        }
    }

    var count: Int { state.withLock { $0.count } }
    /// The payload of the last message received, as text.
    var lastPayload: String { state.withLock { $0.last } }
    func arrival(key: String) -> ContinuousClock.Instant? { state.withLock { $0.alertArrivals[key] } }

    func disconnect() async { await client.stop() }
}
