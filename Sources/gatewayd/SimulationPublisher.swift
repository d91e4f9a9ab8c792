import Foundation
import GatewayRuntime
import Synchronization

/// The simulator's MQTT connection: a `MosquittoClient` (clean session, no subscriptions) whose connection
/// events are watched in the background, so the progress line can say when the broker is away.
final class SimulationPublisher: Sendable {
    enum Link: Sendable, Equatable {
        case connecting
        case connected
        case lost
        case refused(String)
        case ended(String?)
    }

    struct ConnectError: Error, CustomStringConvertible {
        var description: String
    }

    let broker: BrokerAddress
    let qos: Int32
    /// Devices with a vendor binding publish in their platform's format.
    let vendor: VendorWire?
    private let client: MosquittoClient
    private let link = Mutex<Link>(.connecting)

    init(broker: BrokerAddress, qos: Int32, username: String?, password: String?, caFile: String?, vendor: VendorWire? = nil) throws {
        self.vendor = vendor
        self.broker = broker
        self.qos = qos
        var options = MQTTOptions(broker: broker, clientID: "gatewayd-simulate-\(UUID().uuidString.prefix(8).lowercased())")
        options.cleanSession = true
        options.reconnectDelayMaxSeconds = 2
        options.username = username
        options.password = password
        options.caFile = caFile
        client = try MosquittoClient(options: options)
    }

    var state: Link { link.withLock { $0 } }

    /// Publications not yet acknowledged by the broker (QoS 1/2) or not yet sent (QoS 0).
    var pending: Int { max(0, client.pendingOutgoing) }

    /// Starts the network loop and waits for the broker's CONNACK.
    func connect(timeout: Duration) async throws(ConnectError) {
        do {
            try client.start()
        } catch {
            throw ConnectError(description: "\(error)")
        }
        Task { [self] in
            for await event in client.events {
                self.link.withLock { state in
                    switch event {
                    case .connected: state = .connected
                    case let .refused(_, reason): state = .refused(reason)
                    case .disconnected: if case .connected = state { state = .lost }
                    case let .loopExited(error): state = .ended(error)
                    case .subscribeFailed, .subscriptionRefused, .callFailed: break  // a publisher subscribes to nothing
                    }
                }
            }
        }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            switch state {
            case .connected: return
            case let .refused(reason): throw ConnectError(description: "the broker refused the connection: \(reason)")
            case let .ended(error): throw ConnectError(description: error ?? "the MQTT loop ended")
            case .connecting, .lost: try? await Task.sleep(for: .milliseconds(50))
            }
        }
        throw ConnectError(description: "no connection within \(timeout.components.seconds) s — is the broker running and the address right?")
    }

    /// Publishes one message; libmosquitto queues it while the broker is away (QoS ≥ 1).
    func publish(_ message: SimulatedMessage, ts: Int64) throws {
        if let vendor, let (topic, payload) = vendor.wire(message, ts: ts) {
            try client.publish(topic: topic, payload: payload, qos: qos)
        } else {
            try client.publish(topic: message.topic, payload: message.payload(ts: ts), qos: qos)
        }
    }

    /// Waits until every publication is acknowledged, at most `timeout`; returns how many are still pending.
    func drain(timeout: Duration, while keepWaiting: () -> Bool = { true }) async -> Int {
        let deadline = ContinuousClock.now + timeout
        while pending > 0, ContinuousClock.now < deadline, keepWaiting() {
            try? await Task.sleep(for: .milliseconds(50))
        }
        return pending
    }

    /// Disconnects and ends the network loop.
    func stop() async {
        await client.stop()
    }
}
