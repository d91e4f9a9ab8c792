/// Checks a decoded message against what its device type may send and against the clock.
///
/// A reading is kept field by field: an unknown metric, a value out of range or of the wrong type is taken
/// out and recorded as a ``FieldProblem`` while the valid metrics are stored and evaluated; a catalogue
/// "no reading" value (SpO2 0 from a wristband off the wrist) is simply absent. Only a reading with no valid
/// field left is refused as a whole (with the first problem as its reason).
///
/// A device clock beyond the skew limit (ahead or behind) does not lose the message: it is kept with its
/// own `ts`, flagged with ``DeviceMessage/clockSkewMillis`` and evaluated at its arrival time.
public struct MessageValidator: Sendable {
    public var policy: IngestPolicy

    public init(policy: IngestPolicy = IngestPolicy()) { self.policy = policy }

    /// The message as kept (problem fields taken out, skew flagged), or the reason it is refused whole;
    /// `now` is the gateway's clock in epoch milliseconds.
    public func validate(_ message: DeviceMessage, device: Device, now: Int64) throws(Rejection) -> DeviceMessage {
        var message = message
        if device.state == .decommissioned {
            throw Rejection(.deviceDecommissioned, "device is decommissioned", deviceID: device.id)
        }
        if message.ts > now + policy.maxFutureSkewMillis || message.ts < now - policy.maxAgeMillis {
            let (skew, overflow) = message.ts.subtractingReportingOverflow(now)
            message.clockSkewMillis = overflow ? (message.ts > now ? Int64.max : Int64.min) : skew
        }
        let capabilities = device.type.capabilities
        switch message.body {
        case let .telemetry(metrics):
            var kept: [String: Double] = [:]
            var problems = message.fieldProblems
            var absent = 0
            for (name, value) in metrics.sorted(by: { $0.key < $1.key }) {
                guard let spec = capabilities.metrics[name] else {
                    problems.append(FieldProblem(field: name, reason: .unknownMetric, detail: "a \(device.type.rawValue) does not report `\(name)`"))
                    continue
                }
                if spec.noReading.contains(value) {
                    absent += 1
                    continue
                }
                guard spec.range.contains(value) else {
                    problems.append(FieldProblem(
                        field: name, reason: .valueOutOfRange,
                        detail: "`\(name)` = \(format(value)) \(spec.unit) is outside \(format(spec.range.lowerBound))…\(format(spec.range.upperBound))"
                    ))
                    continue
                }
                kept[name] = value
            }
            problems.sort { $0.field < $1.field }
            guard !kept.isEmpty else {
                if let first = problems.first { throw Rejection(first.reason, first.detail, deviceID: device.id) }
                throw Rejection(.invalidPayload, absent > 0 ? "every metric is a no-reading value" : "`metrics` is empty",
                                deviceID: device.id)
            }
            message.body = .telemetry(kept)
            message.fieldProblems = problems
        case let .event(name, _):
            guard capabilities.events.contains(name) || name == DeviceMessage.unknownVendorEvent else {
                throw Rejection(.unknownEvent, "a \(device.type.rawValue) does not send event `\(name)`", deviceID: device.id)
            }
        case .status:
            break
        }
        return message
    }

    /// `(a - b) / 1000` without overflow: a device may send any 64-bit `ts`.
    private func seconds(_ a: Int64, minus b: Int64) -> Int64 {
        let (difference, overflow) = a.subtractingReportingOverflow(b)
        return overflow ? (a > b ? Int64.max : Int64.min) / 1000 : difference / 1000
    }

    private func format(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
