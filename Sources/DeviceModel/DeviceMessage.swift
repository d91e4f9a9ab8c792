/// The canonical form of one message from one device, whatever wire format it arrived in. Everything
/// after decoding (validation, storage, rules, forwarding) works on this.
public struct DeviceMessage: Sendable, Hashable {
    public var deviceID: String
    public var community: String
    /// Device time, epoch milliseconds, exactly as sent (the key that makes QoS 1 redelivery idempotent).
    public var ts: Int64
    public var body: Body
    /// The wire format it came in (`canonical`, later `alink`, `isapi` …).
    public var format: String

    public enum Body: Sendable, Hashable {
        case telemetry([String: Double])
        case event(name: String, data: [String: JSONValue])
        case status(online: Bool)
    }

    public init(deviceID: String, community: String, ts: Int64, body: Body, format: String) {
        self.deviceID = deviceID
        self.community = community
        self.ts = ts
        self.body = body
        self.format = format
    }

    public var channel: Channel {
        switch body {
        case .telemetry: .telemetry
        case .event: .event
        case .status: .status
        }
    }

    /// The event name for events, `nil` otherwise.
    public var eventName: String? { if case let .event(name, _) = body { name } else { nil } }
}
