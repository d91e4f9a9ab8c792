import DeviceModel
import Foundation

/// One MQTT message as received, copied out of libmosquitto's buffers before its callback returned.
public struct InboundMessage: Sendable {
    public var topic: String
    public var payload: Data
    public var qos: Int32
    public var retained: Bool
    /// Images of an HTTP push, already stored (MQTT messages have none).
    public var media: [MediaReference]
    /// Set by the HTTP push shell when the request could not even yield an event document: the message is
    /// dead-lettered with this reason without decoding.
    public var preRejected: Rejection?
    /// The payload's size as sent (larger than `payload` when an oversized payload was cut on arrival).
    public var payloadSize: Int

    public init(topic: String, payload: Data, qos: Int32 = 1, retained: Bool = false, media: [MediaReference] = []) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retained = retained
        self.media = media
        self.payloadSize = payload.count
    }
}
