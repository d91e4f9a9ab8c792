import Foundation

/// A wire format: turns one raw message into canonical messages, resolving the sending device in the
/// registry. The canonical format is one; vendor formats (Alink, OneNET, IoTDA, Hikvision ISAPI, Dahua)
/// plug in beside it. Decoders are pure: no I/O, no clock (the arrival time comes with the message).
public protocol MessageDecoder: Sendable {
    /// The format's name, stored with every message it decodes.
    var format: String { get }
    /// Whether messages on `topic` are in this format.
    func handles(topic: String) -> Bool
    /// Decodes one message. One message may carry several readings (batch posts), hence an array.
    func decode(_ raw: RawMessage, registry: DeviceRegistry) throws(Rejection) -> [DeviceMessage]
    /// The answer the device expects once the message is stored (or rejected), if its protocol has one.
    func reply(to raw: RawMessage, outcome: IngestOutcome) -> DeviceReply?
}

extension MessageDecoder {
    public func reply(to raw: RawMessage, outcome: IngestOutcome) -> DeviceReply? { nil }
}
