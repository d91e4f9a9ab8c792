import Foundation

/// Alibaba Cloud IoT Alink JSON (../shared/DOMAIN.md §2):
/// - `/sys/{productKey}/{deviceName}/thing/event/property/post`:
///   `{"id":"123","version":"1.0","sys":{"ack":1},"params":{"HeartRate":{"value":72,"time":1524448722000}},
///   "method":"thing.event.property.post"}` (a bare value instead of `{value,time}` is accepted too);
/// - `/sys/…/thing/event/{identifier}/post`: `{"params":{"value":{…},"time":…},"method":"thing.event.{identifier}.post"}`;
/// - `/sys/…/thing/event/property/batch/post`: `{"params":{"properties":{"HeartRate":[{"value":72,"time":…}]},
///   "events":{"FallAlarm":[{"value":{…},"time":…}]}}}`.
/// Replies go to the topic + `_reply` unless `sys.ack` is 0: `{"code":200,"data":{},"id":"123",
/// "message":"success","method":"…","version":"1.0"}`; a rejected post answers code 460 (request
/// parameter error) with the reason.
public struct AlinkDecoder: MessageDecoder {
    public let format = "alink"
    public var transport: DecoderTransport { .mqtt(subscriptions: Self.subscriptions) }
    public let vendorProtocol: VendorProtocol? = .alink
    public init() {}

    /// Property posts and every event post (`+` matches `property`); the batch post. Our own `_reply`
    /// topics match neither, so the gateway never hears its answers back.
    public static let subscriptions = ["/sys/+/+/thing/event/+/post", "/sys/+/+/thing/event/property/batch/post"]

    public func handles(topic: String) -> Bool { topic.hasPrefix("/sys/") }

    enum Kind: Equatable {
        case properties
        case batch
        case event(String)
    }

    func parse(_ topic: String) throws(Rejection) -> (productKey: String, deviceName: String, kind: Kind) {
        let levels = topicLevels(topic)
        // ["", "sys", pk, dn, "thing", "event", …, "post"]
        guard levels.count >= 8, levels[1] == "sys", levels[4] == "thing", levels[5] == "event", levels.last == "post",
              !levels[2].isEmpty, !levels[3].isEmpty else {
            throw Rejection(.badTopic, "expected /sys/{productKey}/{deviceName}/thing/event/{property|identifier}/post")
        }
        let rest = levels[6..<(levels.count - 1)]
        let kind: Kind
        switch Array(rest) {
        case ["property"]: kind = .properties
        case ["property", "batch"]: kind = .batch
        case let identifier where identifier.count == 1 && !identifier[0].isEmpty: kind = .event(String(identifier[0]))
        default: throw Rejection(.badTopic, "unsupported Alink topic (property post, batch post and event posts are handled)")
        }
        return (String(levels[2]), String(levels[3]), kind)
    }

    public func decode(_ raw: RawMessage, registry: DeviceRegistry) throws(Rejection) -> [DeviceMessage] {
        let address = try parse(raw.topic)
        let (device, mapping) = try registry.vendorDevice(.alink, product: address.productKey, name: address.deviceName)
        let post = try decodeJSON(Post.self, from: raw.payload, deviceID: device.id)
        var readings: [ThingModelReading] = []
        func time(_ value: JSONValue?) throws(Rejection) -> Int64 {
            guard let value else { return raw.receivedAt }
            guard let number = value.numberValue, let ms = Int64(exactly: number.rounded(.down)) else {
                throw Rejection(.invalidPayload, "`time` must be epoch milliseconds", deviceID: device.id)
            }
            return ms
        }
        switch address.kind {
        case .properties:
            guard case let .object(params) = post.params else {
                throw Rejection(.invalidPayload, "`params` must be an object of properties", deviceID: device.id)
            }
            for (identifier, entry) in params.sorted(by: { $0.key < $1.key }) {
                if case let .object(fields) = entry, let value = fields["value"] {
                    readings.append(ThingModelReading(.property, identifier, value: value, ts: try time(fields["time"])))
                } else {
                    readings.append(ThingModelReading(.property, identifier, value: entry, ts: raw.receivedAt))
                }
            }
        case let .event(identifier):
            guard case let .object(params) = post.params else {
                throw Rejection(.invalidPayload, "`params` must be an object with `value` and `time`", deviceID: device.id)
            }
            readings.append(ThingModelReading(.event, identifier, value: params["value"] ?? .object([:]), ts: try time(params["time"])))
        case .batch:
            guard case let .object(params) = post.params else {
                throw Rejection(.invalidPayload, "`params` must be an object with `properties` and `events`", deviceID: device.id)
            }
            for (field, kind) in [("properties", ThingModelReading.Kind.property), ("events", .event)] {
                guard let group = params[field] else { continue }
                guard case let .object(series) = group else {
                    throw Rejection(.invalidPayload, "`params.\(field)` must be an object", deviceID: device.id)
                }
                for (identifier, points) in series.sorted(by: { $0.key < $1.key }) {
                    guard case let .array(points) = points else {
                        throw Rejection(.invalidPayload, "`params.\(field).\(identifier)` must be a list of {value, time}", deviceID: device.id)
                    }
                    for point in points {
                        guard case let .object(fields) = point, let value = fields["value"] else {
                            throw Rejection(.invalidPayload, "`params.\(field).\(identifier)` entries need `value`", deviceID: device.id)
                        }
                        readings.append(ThingModelReading(kind, identifier, value: value, ts: try time(fields["time"])))
                    }
                }
            }
        }
        guard !readings.isEmpty else { throw Rejection(.invalidPayload, "`params` carries no property or event", deviceID: device.id) }
        return try ThingModelTranslator(format: format).messages(readings, mapping: mapping, device: device)
            .withIdentity(MessageIdentity.vendorSuffix(messageID: post.id, payload: raw.payload))
    }

    public func reply(to raw: RawMessage, outcome: IngestOutcome) -> DeviceReply? {
        guard case .some = try? parse(raw.topic),
              let post = try? JSONDecoder().decode(Post.self, from: raw.payload) else { return nil }
        if post.sys?.ack == 0 { return nil }
        var object: [String: JSONValue] = [
            "id": .string(post.id ?? ""), "version": .string(post.version ?? "1.0"), "data": .object([:]),
            "method": .string(post.method ?? ""),
        ]
        switch outcome {
        case .accepted:
            object["code"] = .number(200)
            object["message"] = .string("success")
        case let .rejected(rejection):
            object["code"] = .number(460)
            object["message"] = .string("request parameter error: \(rejection.reason.rawValue)")
        }
        return DeviceReply(topic: raw.topic + "_reply", payload: replyJSON(object))
    }

    struct Post: Decodable {
        var id: String?
        var version: String?
        var sys: Sys?
        var params: JSONValue?
        var method: String?

        struct Sys: Decodable { var ack: Int? }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            // `id` is a numeric string, but some SDKs send a number.
            if let text = try? container.decodeIfPresent(String.self, forKey: .id) { id = text }
            else if let number = try? container.decodeIfPresent(Int64.self, forKey: .id) { id = String(number) }
            version = try? container.decodeIfPresent(String.self, forKey: .version)
            sys = try? container.decodeIfPresent(Sys.self, forKey: .sys)
            params = try container.decodeIfPresent(JSONValue.self, forKey: .params)
            method = try? container.decodeIfPresent(String.self, forKey: .method)
        }

        enum CodingKeys: String, CodingKey { case id, version, sys, params, method }
    }
}
