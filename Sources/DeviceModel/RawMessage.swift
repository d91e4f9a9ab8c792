import Foundation

/// One message as it reached the gateway, before any decoding: an MQTT topic and payload, or an HTTP push
/// turned into the same shape (topic `push/{format}/{deviceId}`, the event document as payload, its
/// images already stored by the shell and passed as references).
public struct RawMessage: Sendable {
    public var topic: String
    public var payload: Data
    /// The gateway's clock when it arrived (epoch ms): the time of readings whose format carries none.
    public var receivedAt: Int64
    /// Images that came with the message (HTTP pushes), stored outside the database.
    public var media: [MediaReference]

    public init(topic: String, payload: Data, receivedAt: Int64, media: [MediaReference] = []) {
        self.topic = topic
        self.payload = payload
        self.receivedAt = receivedAt
        self.media = media
    }
}

/// A stored image (a face-terminal or camera snapshot): its content hash is its name in the snapshot
/// store. Events carry this reference, never the image.
public struct MediaReference: Sendable, Hashable, Codable {
    public var sha256: String
    public var bytes: Int
    public var contentType: String
    /// When the retention period ends and the file is deleted (epoch ms).
    public var expiresAt: Int64

    public init(sha256: String, bytes: Int, contentType: String, expiresAt: Int64) {
        self.sha256 = sha256
        self.bytes = bytes
        self.contentType = contentType
        self.expiresAt = expiresAt
    }

    /// The reference as event data: `{"sha256": …, "bytes": …, "content_type": …, "expires_at": …}`.
    public var jsonValue: JSONValue {
        .object([
            "sha256": .string(sha256), "bytes": .number(Double(bytes)), "content_type": .string(contentType),
            "expires_at": .number(Double(expiresAt)),
        ])
    }
}

/// A message the gateway sends back to a device on its own protocol's reply topic (Alink `_reply`,
/// OneNET `/reply`), after the message it answers has been committed.
public struct DeviceReply: Sendable, Hashable {
    public var topic: String
    public var payload: Data

    public init(topic: String, payload: Data) {
        self.topic = topic
        self.payload = payload
    }
}
