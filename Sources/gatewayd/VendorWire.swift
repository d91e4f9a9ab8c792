import DeviceModel
import Foundation

/// How a simulated device with a vendor `binding` would really publish: its platform's topic and JSON,
/// through its product's mapping read backwards. Anything the mapping cannot express (a status, a metric
/// without an identifier) goes out on the canonical topic instead, as a gateway-side bridge would send it.
struct VendorWire {
    let products: ProductCatalog

    func wire(_ message: SimulatedMessage, ts: Int64) -> (topic: String, payload: Data)? {
        guard let binding = message.device.binding,
              let mapping = products.mapping(binding.vendorProtocol, product: binding.product) else { return nil }
        switch message.body {
        case let .telemetry(metrics):
            var properties: [String: Double] = [:]
            for (metric, value) in metrics {
                guard let (identifier, scale) = mapping.properties.lazy.compactMap({ id, property -> (String, Double)? in
                    if case let .metric(name, scale) = property, name == metric { (id, scale) } else { nil }
                }).first else { return nil }
                properties[identifier] = (value / scale * 1000).rounded() / 1000
            }
            return encode(binding, properties: properties, event: nil, ts: ts)
        case let .event(name, _):
            guard let identifier = mapping.events.first(where: { $0.value == name })?.key else { return nil }
            return encode(binding, properties: [:], event: identifier, ts: ts)
        case .status:
            return nil
        }
    }

    private func encode(_ binding: VendorBinding, properties: [String: Double], event: String?, ts: Int64) -> (String, Data) {
        let id = String(ts % 1_000_000_000)
        let (pk, dn) = (binding.product, binding.name)
        var object: [String: Any]
        let topic: String
        switch binding.vendorProtocol {
        case .alink:
            if let event {
                topic = "/sys/\(pk)/\(dn)/thing/event/\(event)/post"
                object = ["id": id, "version": "1.0", "params": ["value": [String: Any](), "time": ts], "method": "thing.event.\(event).post"]
            } else {
                topic = "/sys/\(pk)/\(dn)/thing/event/property/post"
                object = ["id": id, "version": "1.0", "sys": ["ack": 0], "method": "thing.event.property.post",
                          "params": properties.mapValues { ["value": $0, "time": ts] }]
            }
        case .onenet:
            if let event {
                topic = "$sys/\(pk)/\(dn)/thing/event/post"
                object = ["id": id, "version": "1.0", "params": [event: ["value": [String: Any](), "time": ts]]]
            } else {
                topic = "$sys/\(pk)/\(dn)/thing/property/post"
                object = ["id": id, "version": "1.0", "params": properties.mapValues { ["value": $0, "time": ts] }]
            }
        case .iotda, .isapi, .dahua:
            let time = Self.utcWithMillis(ts)
            if let event {
                let parts = event.split(separator: ".", maxSplits: 1).map(String.init)
                topic = "$oc/devices/\(dn)/sys/events/up"
                object = ["object_device_id": dn, "services": [["service_id": parts.first ?? event, "event_type": parts.last ?? event,
                                                                 "event_time": time, "paras": [String: Any]()]]]
            } else {
                var services: [String: [String: Double]] = [:]
                for (identifier, value) in properties {
                    let parts = identifier.split(separator: ".", maxSplits: 1).map(String.init)
                    services[parts.count == 2 ? parts[0] : "Default", default: [:]][parts.last ?? identifier] = value
                }
                topic = "$oc/devices/\(dn)/sys/properties/report"
                object = ["services": services.sorted { $0.key < $1.key }.map { ["service_id": $0.key, "properties": $0.value, "event_time": time] }]
            }
        }
        return (topic, (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data())
    }

    /// IoTDA's `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'` (the form that keeps the device clock's milliseconds).
    static func utcWithMillis(_ millis: Int64) -> String {
        var seconds = millis / 1000
        let days = Int(seconds / 86_400)
        seconds %= 86_400
        let (year, month, day) = CivilDate.date(dayNumber: days)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", year, month, day, Int(seconds / 3600), Int(seconds / 60 % 60),
                      Int(seconds % 60), Int(millis % 1000))
    }
}
