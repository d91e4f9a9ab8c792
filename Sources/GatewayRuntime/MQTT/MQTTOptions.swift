/// How the gateway connects to its broker.
public struct MQTTOptions: Sendable {
    public var broker: BrokerAddress
    /// Stable client id: with `cleanSession == false` the broker keeps our subscriptions and queues QoS 1
    /// messages while the gateway is down, and delivers them when it comes back.
    public var clientID: String
    public var cleanSession: Bool = false
    public var username: String?
    public var password: String?
    /// CA file for `mqtts://`.
    public var caFile: String?
    /// mqtts:// client certificate and key (PEM), for brokers that require one.
    public var certFile: String?
    public var keyFile: String?
    public var keepAliveSeconds: Int32 = 30
    /// Reconnect backoff: first delay, then growing quadratically up to the maximum.
    public var reconnectDelaySeconds: UInt32 = 1
    public var reconnectDelayMaxSeconds: UInt32 = 8
    /// Subscribed (QoS 1) on every successful connect.
    public var subscriptions: [String] = []
    /// QoS 1 publications in flight at once (libmosquitto's default is 20); 0 = no limit. For publishers
    /// that must keep a window open on a fast link, such as load generators.
    public var maxInflightMessages: UInt32?
    /// Retained presence: `offline` as last will, `online` once connected.
    public var presenceTopic: String?
    /// A batch handed to the committer holds at most this many messages …
    public var maxBatchMessages = 512
    /// … and about this many bytes of payload.
    public var maxBatchBytes = 4 << 20
    /// How long a batch of routine readings that is not full waits for the next message before it is
    /// committed (0: not at all). A few milliseconds turn one commit per message into one per several at
    /// modest rates. A batch holding anything else (an event, a vendor post) is committed without waiting.
    public var batchLingerMilliseconds: Int64 = 0
    /// While messages keep coming within ``batchLingerMilliseconds`` of each other, a batch of routine
    /// readings is held at most this long from its first message (never less than the gap itself).
    public var batchLingerMaxMilliseconds: Int64 = 0
    /// Larger payloads are cut on arrival and dead-lettered as `payload_too_large`.
    public var maxPayloadBytes = 64 * 1024

    public init(broker: BrokerAddress, clientID: String) {
        self.broker = broker
        self.clientID = clientID
    }
}

/// What happens to the broker connection, as seen by the network thread.
public enum ConnectionEvent: Sendable, Equatable {
    case connected
    /// The broker refused the connection (CONNACK code and its text): bad credentials, bad client id …
    case refused(code: Int32, reason: String)
    /// The connection dropped; libmosquitto reconnects with backoff.
    case disconnected(code: Int32)
    /// The network loop ended: after a requested stop (`error == nil`) or a fatal error.
    case loopExited(error: String?)
    /// `mosquitto_subscribe` failed for a filter (its return code).
    case subscribeFailed(filter: String, code: Int32)
    /// The broker refused a subscription (granted QoS 0x80, e.g. an ACL): the gateway is deaf to it.
    case subscriptionRefused(index: Int)
    /// A libmosquitto call made on the network thread failed (its description): logged, not fatal.
    case callFailed(String)
}
