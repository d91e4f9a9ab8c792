import DeviceModel
import Foundation

/// One message a simulated device publishes, before its timestamp is set.
struct SimulatedMessage: Sendable {
    enum Body: Sendable {
        case telemetry([String: Double])
        case event(name: String, data: [String: JSONValue]?)
        case status(online: Bool)
    }

    var device: Device
    var body: Body
    /// Set for readings compressed in time (a sustained episode): the device clock advances by this much
    /// per message instead of following the wall clock.
    var clockStep: Int64?

    var channel: Channel {
        switch body {
        case .telemetry: .telemetry
        case .event: .event
        case .status: .status
        }
    }

    /// `devices/{community}/{deviceId}/{channel}`.
    var topic: String { "devices/\(device.community)/\(device.id)/\(channel.rawValue)" }

    /// The canonical JSON payload (README "MQTT contract") with device time `ts` in epoch ms.
    func payload(ts: Int64) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data: Data?
        switch body {
        case let .telemetry(metrics): data = try? encoder.encode(Telemetry(ts: ts, metrics: metrics))
        case let .event(name, fields): data = try? encoder.encode(Event(ts: ts, event: name, data: fields))
        case let .status(online): data = try? encoder.encode(Status(ts: ts, online: online))
        }
        return data ?? Data()
    }

    private struct Telemetry: Encodable {
        var ts: Int64
        var metrics: [String: Double]
    }

    private struct Event: Encodable {
        var ts: Int64
        var event: String
        var data: [String: JSONValue]?
    }

    private struct Status: Encodable {
        var ts: Int64
        var online: Bool
    }
}

/// Device clocks: `ts` is the current epoch ms, strictly increasing per device and channel so the gateway
/// never de-duplicates two simulated messages.
struct DeviceClocks {
    private var last: [String: Int64] = [:]

    mutating func stamp(_ message: SimulatedMessage, now: Int64) -> Int64 {
        let key = "\(message.device.id)/\(message.channel.rawValue)"
        let previous = last[key] ?? 0
        let ts = max(now, previous + (previous == 0 ? 1 : message.clockStep ?? 1))
        last[key] = ts
        return ts
    }
}
