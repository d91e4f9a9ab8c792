import Foundation

/// A wire format: turns the topic and payload of one MQTT message into canonical messages, resolving
/// the sending device in the registry. The canonical format is one; vendor formats (Alink, OneNET,
/// IoTDA …) plug in beside it. Decoders are pure: no I/O, no clock.
public protocol MessageDecoder: Sendable {
    /// The format's name, stored with every message it decodes.
    var format: String { get }
    /// Whether messages on `topic` are in this format.
    func handles(topic: String) -> Bool
    /// Decodes one message. One message may carry several readings (batch posts), hence an array.
    func decode(topic: String, payload: Data, registry: DeviceRegistry) throws(Rejection) -> [DeviceMessage]
}
