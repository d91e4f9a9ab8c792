/// Checks a decoded message against what its device type may send and against the clock.
public struct MessageValidator: Sendable {
    public var policy: IngestPolicy

    public init(policy: IngestPolicy = IngestPolicy()) { self.policy = policy }

    /// Throws the first problem found; `now` is the gateway's clock in epoch milliseconds.
    public func validate(_ message: DeviceMessage, device: Device, now: Int64) throws(Rejection) {
        if device.state == .decommissioned {
            throw Rejection(.deviceDecommissioned, "device is decommissioned", deviceID: device.id)
        }
        if message.ts > now + policy.maxFutureSkewMillis {
            throw Rejection(.timestampInFuture,
                            "ts is \(seconds(message.ts, minus: now)) s ahead of the gateway clock (limit \(policy.maxFutureSkewMillis / 1000) s)",
                            deviceID: device.id)
        }
        if message.ts < now - policy.maxAgeMillis {
            throw Rejection(.timestampTooOld,
                            "ts is \(seconds(now, minus: message.ts)) s old (limit \(policy.maxAgeMillis / 1000) s)",
                            deviceID: device.id)
        }
        let capabilities = device.type.capabilities
        switch message.body {
        case let .telemetry(metrics):
            if metrics.isEmpty {
                throw Rejection(.invalidPayload, "`metrics` is empty", deviceID: device.id)
            }
            for (name, value) in metrics.sorted(by: { $0.key < $1.key }) {
                guard let spec = capabilities.metrics[name] else {
                    throw Rejection(.unknownMetric, "a \(device.type.rawValue) does not report `\(name)`", deviceID: device.id)
                }
                guard spec.range.contains(value) else {
                    throw Rejection(.valueOutOfRange,
                                    "`\(name)` = \(format(value)) \(spec.unit) is outside \(format(spec.range.lowerBound))…\(format(spec.range.upperBound))",
                                    deviceID: device.id)
                }
            }
        case let .event(name, _):
            guard capabilities.events.contains(name) || name == DeviceMessage.unknownVendorEvent else {
                throw Rejection(.unknownEvent, "a \(device.type.rawValue) does not send event `\(name)`", deviceID: device.id)
            }
        case .status:
            break
        }
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
