/// Limits applied to every incoming message.
public struct IngestPolicy: Sendable, Hashable {
    /// Larger payloads are rejected unread (`payload_too_large`). Default 64 KiB.
    public var maxPayloadBytes: Int
    /// How far a device clock may run ahead of the gateway's before a message is rejected. Default 5 min.
    public var maxFutureSkewMillis: Int64
    /// How old a message may be (devices buffer while offline). Default 7 days.
    public var maxAgeMillis: Int64

    public init(maxPayloadBytes: Int = 64 * 1024, maxFutureSkewMillis: Int64 = 5 * 60_000,
                maxAgeMillis: Int64 = 7 * 86_400_000) {
        self.maxPayloadBytes = maxPayloadBytes
        self.maxFutureSkewMillis = maxFutureSkewMillis
        self.maxAgeMillis = maxAgeMillis
    }
}
