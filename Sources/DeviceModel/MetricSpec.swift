/// A metric a device type may report: its canonical name, its unit (UCUM-style) and the range of values
/// that are physically plausible. A value outside the range is a broken reading, not an alarm: alarms
/// are for AlertRules, inside this range.
public struct MetricSpec: Sendable, Hashable {
    public var name: String
    public var unit: String
    public var range: ClosedRange<Double>
    /// Values devices send for "no reading" (a wristband off the wrist sends SpO2 0, heart rate 0 or 255):
    /// treated as absent, not as a broken reading.
    public var noReading: Set<Double>

    public init(_ name: String, unit: String, _ range: ClosedRange<Double>, noReading: Set<Double> = []) {
        self.name = name
        self.unit = unit
        self.range = range
        self.noReading = noReading
    }
}

/// The metrics and events one device type may send.
public struct DeviceCapabilities: Sendable {
    public var metrics: [String: MetricSpec]
    public var events: Set<String>

    public init(metrics: [MetricSpec], events: [String]) {
        self.metrics = Dictionary(uniqueKeysWithValues: metrics.map { ($0.name, $0) })
        self.events = Set(events)
    }
}
