import Foundation

/// Huawei Cloud IoTDA (../shared/DOMAIN.md §2):
/// - `$oc/devices/{device_id}/sys/properties/report`:
///   `{"services":[{"service_id":"VitalSigns","properties":{"heartRate":72},"event_time":"20151212T121212Z"}]}`;
/// - `$oc/devices/{device_id}/sys/events/up`:
///   `{"object_device_id":"…","services":[{"service_id":"Alarm","event_type":"fall","event_time":"…","paras":{…}}]}`.
/// `event_time` is `yyyyMMdd'T'HHmmss'Z'` or `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'`; absent means arrival time
/// (the platform's rule), present but unreadable is rejected. Identifiers are looked up as
/// `service_id.property` first, then as the bare property name. IoTDA sends no replies to these.
public struct IoTDADecoder: MessageDecoder {
    public let format = "iotda"
    public var transport: DecoderTransport { .mqtt(subscriptions: Self.subscriptions) }
    public let vendorProtocol: VendorProtocol? = .iotda
    public init() {}

    public static let subscriptions = ["$oc/devices/+/sys/properties/report", "$oc/devices/+/sys/events/up"]

    public func handles(topic: String) -> Bool { topic.hasPrefix("$oc/") }

    public func decode(_ raw: RawMessage, registry: DeviceRegistry) throws(Rejection) -> [DeviceMessage] {
        let levels = topicLevels(raw.topic)
        guard levels.count == 6, levels[0] == "$oc", levels[1] == "devices", levels[3] == "sys", !levels[2].isEmpty else {
            throw Rejection(.badTopic, "expected $oc/devices/{device_id}/sys/properties/report or …/sys/events/up")
        }
        let kind: ThingModelReading.Kind
        switch (levels[4], levels[5]) {
        case ("properties", "report"): kind = .property
        case ("events", "up"): kind = .event
        default: throw Rejection(.badTopic, "unsupported IoTDA topic (properties/report and events/up are handled)")
        }
        let (device, mapping) = try registry.vendorDevice(.iotda, product: nil, name: String(levels[2]))
        let report = try decodeJSON(Report.self, from: raw.payload, deviceID: device.id)
        guard !report.services.isEmpty else {
            throw Rejection(.invalidPayload, "`services` is empty", deviceID: device.id)
        }
        var readings: [ThingModelReading] = []
        for (index, service) in report.services.enumerated() {
            var ts = raw.receivedAt
            if let text = service.eventTime {
                guard let millis = WireTime.epochMillis(text, defaultOffsetMinutes: 0) else {
                    throw Rejection(.invalidPayload, "`services[\(index)].event_time` is not yyyyMMdd'T'HHmmss'Z' or yyyy-MM-dd'T'HH:mm:ss.SSS'Z'",
                                    deviceID: device.id)
                }
                ts = millis
            }
            switch kind {
            case .property:
                guard case let .object(properties)? = service.properties, !properties.isEmpty else {
                    throw Rejection(.invalidPayload, "`services[\(index)].properties` must be a non-empty object", deviceID: device.id)
                }
                for (name, value) in properties.sorted(by: { $0.key < $1.key }) {
                    readings.append(ThingModelReading(.property, "\(service.serviceID).\(name)", value: value, ts: ts))
                }
            case .event:
                guard let eventType = service.eventType, !eventType.isEmpty else {
                    throw Rejection(.invalidPayload, "`services[\(index)].event_type` is required", deviceID: device.id)
                }
                readings.append(ThingModelReading(.event, "\(service.serviceID).\(eventType)", value: service.paras ?? .object([:]), ts: ts))
            }
        }
        return try ThingModelTranslator(format: format).messages(readings, mapping: mapping, device: device) { identifier in
            identifier.split(separator: ".", maxSplits: 1).dropFirst().map(String.init)
        }.withIdentity(MessageIdentity.vendorSuffix(messageID: report.services.compactMap(\.eventID).first, payload: raw.payload))
    }

    struct Report: Decodable {
        var services: [Service]

        struct Service: Decodable {
            var serviceID: String
            var properties: JSONValue?
            var eventType: String?
            var eventTime: String?
            var paras: JSONValue?
            var eventID: String?

            enum CodingKeys: String, CodingKey {
                case serviceID = "service_id", properties, eventType = "event_type", eventTime = "event_time", paras
                case eventID = "event_id"
            }
        }
    }
}
