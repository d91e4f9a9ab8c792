import DeviceModel
import Foundation

/// Everything `gatewayd run` needs besides the registry. Built from flags and environment variables.
public struct GatewaySettings: Sendable {
    public var broker: BrokerAddress
    public var databasePath: String
    /// The devices.yaml the configuration came from: re-read on SIGHUP and `POST /api/v1/admin/reload`.
    public var configPath: String?
    public var username: String?
    public var password: String?
    public var caFile: String?
    /// mqtts:// client certificate and key (PEM).
    public var certFile: String?
    public var keyFile: String?
    /// Overrides the MQTT client id (default `gatewayd-{gateway id}`). Keep it stable: the broker keeps
    /// the persistent session, and the QoS 1 messages queued while we were down, under this id.
    public var clientID: String?
    /// Messages per SQLite transaction at most (one batch read from the broker, acknowledged after its
    /// commit; see ``CommitHandoff``). Default 512.
    public var batchSize: Int = 512
    /// How long a batch of routine readings (telemetry, status) that is not full waits for the next message
    /// (ms), and how long it is held at most while they keep coming. Defaults 4 and 10: at 1,000 msg/s about
    /// ten readings share one commit (each commit is an fsync and a WAL write of every page it touched), at
    /// the cost of at most 10 ms before a reading is stored and acknowledged. A batch holding an event (a fall,
    /// an SOS, smoke) or a vendor post is committed at once: alerts from events never wait for a linger.
    /// (A broker that caps the messages in flight to us at N — mosquitto's `max_inflight_messages`, 20 by
    /// default — then holds the rest until our PUBACKs: N per 4 ms at most. Set it to 1000 or more.)
    public var batchLingerMilliseconds: Int64 = 4
    public var batchLingerMaxMilliseconds: Int64 = 10
    public var policy = IngestPolicy()
    /// `--workorder-url`: the grid work-order system. No work orders are created without it.
    public var workOrderTarget: DeliveryTarget?
    /// `--message-url`: the SMS / WeChat message gateway. No relatives' messages without it.
    public var messageTarget: DeliveryTarget?
    /// `--http`: the HTTP API (work-order status callback, health). Off when `nil`.
    public var http: HTTPServerSettings?
    /// `--snapshot-dir`: where pushed snapshots are kept (default: the database path + `.snapshots`).
    public var snapshotDirectory: String?
    /// `--snapshot-retention`: how long a snapshot is kept before it is deleted. Default 30 days.
    public var snapshotRetentionSeconds: Int = 30 * 86_400

    public init(broker: BrokerAddress, databasePath: String) {
        self.broker = broker
        self.databasePath = databasePath
    }
}
