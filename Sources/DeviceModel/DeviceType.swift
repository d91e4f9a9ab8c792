/// Every kind of device the gateway knows. The raw value is the spelling used in `devices.yaml`,
/// the HTTP API and the database.
public enum DeviceType: String, Sendable, CaseIterable, Codable {
    case accessCamera = "access_camera"
    case accessTerminal = "access_terminal"
    case wristband
    case mattress
    case fallRadar = "fall_radar"
    case sosPendant = "sos_pendant"
    case smokeSensor = "smoke_sensor"
    case gasSensor = "gas_sensor"
    case waterSensor = "water_sensor"
    case intrusionSensor = "intrusion_sensor"
    case videoAnalytics = "video_analytics"

    public var family: DeviceFamily {
        switch self {
        case .accessCamera, .accessTerminal: .accessControl
        case .wristband, .mattress, .fallRadar, .sosPendant: .elderlyCare
        case .smokeSensor, .gasSensor, .waterSensor, .intrusionSensor, .videoAnalytics: .publicSafety
        }
    }

    /// Elderly monitors watch one resident; the registry requires it.
    public var watchesResident: Bool { family == .elderlyCare }

    /// What this type may send: metrics with units and plausible ranges, and event names.
    public var capabilities: DeviceCapabilities { DeviceCapabilities.catalog[self]! }

    /// The expected reporting interval when the registry names none (a heartbeat or telemetry period).
    public var defaultReportIntervalSeconds: Int {
        switch family {
        case .elderlyCare: 300
        case .accessControl: 600
        case .publicSafety: self == .videoAnalytics ? 600 : 3600
        }
    }
}
