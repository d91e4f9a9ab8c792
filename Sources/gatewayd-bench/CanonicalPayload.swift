import DeviceModel
import Foundation

/// Canonical topic and JSON payload of a generated message, as a device would publish it.
enum CanonicalPayload {
    static func topic(_ message: DeviceMessage) -> String {
        "devices/\(message.community)/\(message.deviceID)/\(message.channel.rawValue)"
    }

    static func json(_ message: DeviceMessage) -> Data {
        switch message.body {
        case let .telemetry(metrics):
            let fields = metrics.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\(number($0.value))" }.joined(separator: ",")
            return Data(#"{"ts":\#(message.ts),"metrics":{\#(fields)}}"#.utf8)
        case let .event(name, data):
            let fields = data.sorted { $0.key < $1.key }.compactMap { key, value -> String? in
                guard case let .number(number) = value else { return nil }
                return "\"\(key)\":\(Self.number(number))"
            }.joined(separator: ",")
            return Data(#"{"ts":\#(message.ts),"event":"\#(name)","data":{\#(fields)}}"#.utf8)
        case let .status(online):
            return Data(#"{"ts":\#(message.ts),"online":\#(online)}"#.utf8)
        }
    }

    private static func number(_ value: Double) -> String {
        value.rounded() == value ? String(Int64(value)) : String(value)
    }
}
