import Logging
import ServiceLifecycle
import Synchronization

/// Runs the MQTT client for the life of the gateway: starts it, logs connection changes, and on graceful
/// shutdown publishes `offline`, disconnects and finishes the inbox so ingest can drain.
/// A fatal loop exit (bad credentials, TLS failure) ends the service with an error, which stops the gateway.
public final class MQTTService: Service, Sendable, CustomStringConvertible {
    public let client: MosquittoClient
    private let logger: Logger
    private let connected = Atomic<Bool>(false)
    private let subscriptionsHealthy = Atomic<Bool>(true)
    private let beforeStop: @Sendable () async -> Void

    /// `beforeStop` runs on graceful shutdown while the connection is still up (to flush publications).
    public init(client: MosquittoClient, logger: Logger, beforeStop: @escaping @Sendable () async -> Void = {}) {
        self.client = client
        self.logger = logger
        self.beforeStop = beforeStop
    }

    public var description: String { "MQTTService(\(client.options.clientID))" }

    /// Whether the broker connection is up right now.
    public var isConnected: Bool { connected.load(ordering: .acquiring) }

    /// Whether every subscription of the last connect was granted.
    public var subscriptionsGranted: Bool { subscriptionsHealthy.load(ordering: .acquiring) }

    public func run() async throws {
        try client.start()
        logger.info("connecting to broker", metadata: ["mqtt.broker": "\(client.options.broker)"])
        var fatal: String?
        for await event in client.events.cancelOnGracefulShutdown() {
            switch event {
            case .connected:
                connected.store(true, ordering: .releasing)
                subscriptionsHealthy.store(true, ordering: .releasing)
                logger.info("broker connected", metadata: ["mqtt.subscriptions": "\(client.options.subscriptions)"])
            case let .refused(code, reason):
                connected.store(false, ordering: .releasing)
                logger.error("broker refused connection", metadata: ["mqtt.code": "\(code)", "mqtt.reason": "\(reason)"])
            case let .disconnected(code):
                connected.store(false, ordering: .releasing)
                logger.warning("broker connection lost; reconnecting", metadata: ["mqtt.code": "\(code)"])
            case let .subscribeFailed(filter, code):
                subscriptionsHealthy.store(false, ordering: .releasing)
                logger.error("subscription failed; the gateway does not hear this filter", metadata: [
                    "mqtt.filter": "\(filter)", "mqtt.code": "\(code)",
                ])
            case let .subscriptionRefused(index):
                subscriptionsHealthy.store(false, ordering: .releasing)
                logger.error("broker refused a subscription (granted QoS 0x80, an ACL?); the gateway does not hear it",
                             metadata: ["mqtt.subscription_index": "\(index)"])
            case let .callFailed(description):
                logger.warning("MQTT call failed", metadata: ["error": "\(description)"])
            case let .loopExited(error):
                connected.store(false, ordering: .releasing)
                fatal = error ?? "network loop ended without a stop request"
            }
            if fatal != nil { break }
        }
        if fatal == nil { await beforeStop() }
        await client.stop()
        connected.store(false, ordering: .releasing)
        logger.info("broker disconnected", metadata: ["mqtt.batches": "\(client.inbox.batches)", "mqtt.stalls": "\(client.inbox.stalls)"])
        if let fatal {
            logger.error("MQTT loop ended", metadata: ["error": "\(fatal)"])
            throw MQTTLoopError(description: "MQTT loop ended: \(fatal)")
        }
    }
}

/// The MQTT network loop ended for good (bad credentials, TLS failure, a protocol error): the gateway stops.
public struct MQTTLoopError: Error, Sendable, CustomStringConvertible {
    public var description: String
}
