import DeviceModel

/// Everyday traffic: each device in turn sends telemetry within its type's normal ranges (a subset of the
/// plausible ranges in `DeviceType.capabilities`); access devices also report people passing
/// (`face_auth_passed`).
struct NormalTraffic {
    private let devices: [Device]
    private var next = 0
    private var turns: [String: Int] = [:]
    private var steps: [String: Double] = [:]
    /// Wristbands in a simulated tachycardia episode keep reporting a high heart rate.
    var tachycardic: Set<String> = []

    /// Normal values, by metric; only the metrics a type's capabilities list are sent.
    static let normalRanges: [String: ClosedRange<Double>] = [
        "heart_rate": 60...85, "spo2": 95...99, "body_temp": 36.0...37.2, "bp_sys": 110...135, "bp_dia": 70...85,
        "worn": 1...1, "battery": 60...100, "rssi": -85 ... -55, "device_temp": 25...45, "passages_per_min": 0...30,
        "door_open_s": 0...8, "resp_rate": 12...20, "body_movement": 0...30, "in_bed": 1...1, "presence": 1...1,
        "motion_state": 0...2, "distance": 0.5...4, "smoke_value": 0...50, "lel": 0...3, "co": 0...10,
        "water_level": 0...0, "person_count": 0...20,
    ]

    /// Metrics with one decimal; the others are whole numbers.
    static let decimalMetrics: Set<String> = ["body_temp", "device_temp", "distance"]

    init(devices: [Device]) { self.devices = devices }

    mutating func nextMessage() -> SimulatedMessage {
        let device = devices[next % devices.count]
        next += 1
        let turn = turns[device.id, default: 0]
        turns[device.id] = turn + 1
        if device.type.family == .accessControl, turn % 3 != 2 {
            return SimulatedMessage(device: device, body: .event(name: "face_auth_passed", data: nil))
        }
        return SimulatedMessage(device: device, body: .telemetry(metrics(for: device)))
    }

    private mutating func metrics(for device: Device) -> [String: Double] {
        var metrics: [String: Double] = [:]
        for (name, spec) in device.type.capabilities.metrics {
            if name == "steps" {
                let total = steps[device.id, default: Double.random(in: 500...3000)] + Double(Int.random(in: 0...40))
                steps[device.id] = min(total, spec.range.upperBound)
                metrics[name] = steps[device.id]
                continue
            }
            guard var range = Self.normalRanges[name] else { continue }
            if name == "heart_rate", tachycardic.contains(device.id) { range = 132...140 }
            metrics[name] = Self.value(in: range, decimals: Self.decimalMetrics.contains(name)).clamped(to: spec.range)
        }
        return metrics
    }

    static func value(in range: ClosedRange<Double>, decimals: Bool) -> Double {
        let raw = range.lowerBound == range.upperBound ? range.lowerBound : Double.random(in: range)
        return decimals ? (raw * 10).rounded() / 10 : raw.rounded()
    }
}

extension Double {
    func clamped(to range: ClosedRange<Double>) -> Double { Swift.min(Swift.max(self, range.lowerBound), range.upperBound) }
}
