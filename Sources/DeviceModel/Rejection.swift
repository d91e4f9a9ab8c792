/// Why a message was not accepted. Stored with the raw message in the dead-letter table and counted by
/// `reason`; never thrown past the ingest loop. `detail` names fields and limits, never personal data.
public struct Rejection: Error, Sendable, Hashable, CustomStringConvertible {
    public var reason: Reason
    public var detail: String
    /// The device the message claimed to come from, when the topic named one.
    public var deviceID: String?

    public init(_ reason: Reason, _ detail: String, deviceID: String? = nil) {
        self.reason = reason
        self.detail = detail
        self.deviceID = deviceID
    }

    public var description: String { "\(reason.rawValue): \(detail)" }

    /// Stable reason codes: they appear in the database, metrics and the API. Add, never rename.
    public enum Reason: String, Sendable, Hashable, CaseIterable, Codable {
        case payloadTooLarge = "payload_too_large"
        case badTopic = "bad_topic"
        case unknownChannel = "unknown_channel"
        case unknownDevice = "unknown_device"
        case communityMismatch = "community_mismatch"
        case deviceDecommissioned = "device_decommissioned"
        case malformedJSON = "malformed_json"
        case invalidPayload = "invalid_payload"
        /// JSON nested deeper than the gateway reads (``StrictJSONScanner/maxDepth``).
        case tooDeep = "too_deep"
        /// A number outside 64-bit integers or double precision (it could not be kept exactly).
        case numberOutOfRange = "number_out_of_range"
        case unknownMetric = "unknown_metric"
        case valueOutOfRange = "value_out_of_range"
        case unknownEvent = "unknown_event"
        case timestampInFuture = "timestamp_in_future"
        case timestampTooOld = "timestamp_too_old"
        /// An operator command (acknowledge, resolve) that cannot be carried out.
        case invalidCommand = "invalid_command"
    }
}
