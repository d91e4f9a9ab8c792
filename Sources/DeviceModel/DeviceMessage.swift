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
    /// Fields of the message that were not kept (out of range, wrong type, unknown to the device type), with
    /// the reason: the rest of the reading is stored and evaluated.
    public var fieldProblems: [FieldProblem] = []
    /// Set when the device clock is beyond the skew limit: `ts - arrival` in ms. The message is stored with
    /// its own `ts` and evaluated at its arrival time.
    public var clockSkewMillis: Int64?

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

    /// Events the gateway itself raises about a device (any type), for maintenance rules: its clock is beyond
    /// the skew limit, and its clock is right again.
    public static let clockSkewEvent = "device.clock_skew"
    public static let clockOKEvent = "device.clock_ok"
    public static let gatewayEvents: Set<String> = [clockSkewEvent, clockOKEvent]

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

/// One field of a message that was not kept, and why (a per-field dead letter, stored with its event).
public struct FieldProblem: Sendable, Hashable, Codable {
    public var field: String
    public var reason: Rejection.Reason
    public var detail: String

    public init(field: String, reason: Rejection.Reason, detail: String) {
        self.field = field
        self.reason = reason
        self.detail = detail
    }
}
