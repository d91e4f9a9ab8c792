/// What a device message carries, from the last level of its topic.
public enum Channel: String, Sendable, Hashable, Codable, CaseIterable {
    /// Periodic measurements: `{"ts": …, "metrics": {"heart_rate": 72}}`.
    case telemetry
    /// A discrete occurrence: `{"ts": …, "event": "fall_detected", "data": {…}}`.
    case event
    /// Connectivity as the device sees it: `{"ts": …, "online": true}`.
    case status
}
