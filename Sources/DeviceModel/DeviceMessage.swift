/// The canonical form of one message from one device, whatever wire format it arrived in. Everything
/// after decoding (validation, storage, rules, forwarding) works on this.
public struct DeviceMessage: Sendable, Hashable {
    public var deviceID: String
    public var community: String
    /// Device time, epoch milliseconds, exactly as sent (the key that makes QoS 1 redelivery idempotent).
    public var ts: Int64
    public var body: Body
    /// The wire format it came in (`canonical`, `alink`, `onenet`, `iotda`, `isapi`, `dahua`).
    public var format: String
    /// The device's own identity for this reading, beside `ts` (empty for the canonical format): the
    /// Hikvision `serialNo`, the Dahua `RecNo`, the thing-model identifiers of a vendor post. Two messages
    /// of one device and channel are the same message when `ts` and this key are equal, so a redelivered
    /// push is stored once while several distinct events in one second are all kept.
    public var nativeKey: String

    public enum Body: Sendable, Hashable {
        case telemetry([String: Double])
        case event(name: String, data: [String: JSONValue])
        case status(online: Bool)
    }

    public init(deviceID: String, community: String, ts: Int64, body: Body, format: String, nativeKey: String = "") {
        self.deviceID = deviceID
        self.community = community
        self.ts = ts
        self.body = body
        self.format = format
        self.nativeKey = nativeKey
    }

    /// The event name of a vendor code or identifier the gateway has no mapping for. Stored like any
    /// event (with `format` and `native_code` in its data) so nothing a device says silently vanishes.
    public static let unknownVendorEvent = "vendor.unknown"

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
