import Foundation

/// One MQTT message as received, copied out of libmosquitto's buffers before its callback returned.
public struct InboundMessage: Sendable {
    public var topic: String
    public var payload: Data
    public var qos: Int32
    public var retained: Bool

    public init(topic: String, payload: Data, qos: Int32 = 1, retained: Bool = false) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retained = retained
    }
}
