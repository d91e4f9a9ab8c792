import Foundation

/// A wire format: turns one raw message into canonical messages, resolving the sending device in the
/// registry. The canonical format is one; vendor formats (Alink, OneNET, IoTDA, Hikvision ISAPI, Dahua)
/// plug in beside it. Decoders are pure: no I/O, no clock (the arrival time comes with the message).
public protocol MessageDecoder: Sendable {
    /// The format's name, stored with every message it decodes.
    var format: String { get }
    /// How messages in this format reach the gateway: the MQTT subscriptions or the HTTP push route are
    /// derived from this declaration (``MessageIngest/subscriptions``, ``MessageIngest/pushFormats``).
    var transport: DecoderTransport { get }
    /// The vendor protocol a device's `binding` names for this format, if it is a vendor format.
    var vendorProtocol: VendorProtocol? { get }
    /// Whether messages on `topic` are in this format.
    func handles(topic: String) -> Bool
    /// Decodes one message. One message may carry several readings (batch posts), hence an array.
    func decode(_ raw: RawMessage, registry: DeviceRegistry) throws(Rejection) -> [DeviceMessage]
    /// The answer the device expects once the message is stored (or rejected), if its protocol has one.
    func reply(to raw: RawMessage, outcome: IngestOutcome) -> DeviceReply?
}

extension MessageDecoder {
    public func reply(to raw: RawMessage, outcome: IngestOutcome) -> DeviceReply? { nil }
    public var vendorProtocol: VendorProtocol? { nil }
}

/// Where a wire format arrives.
public enum DecoderTransport: Sendable, Hashable {
    /// MQTT topics, subscribed to with QoS 1 (the filters reach every topic of the format).
    case mqtt(subscriptions: [String])
    /// `POST /api/v1/push/{format}/{deviceId}`, ingested as topic `push/{format}/{deviceId}`.
    case httpPush
}
