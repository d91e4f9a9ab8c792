import Foundation

/// China Mobile OneNET OneJSON (../shared/DOMAIN.md §2):
/// - `$sys/{pid}/{device-name}/thing/property/post`:
///   `{"id":"123","version":"1.0","params":{"HeartRate":{"value":72,"time":1524448722123}}}`;
/// - `$sys/{pid}/{device-name}/thing/event/post`:
///   `{"id":"123","version":"1.0","params":{"FallAlarm":{"value":{…},"time":1524448722123}}}`.
/// Replies go to the topic + `/reply`: `{"id":"123","code":200,"msg":"success"}` (400 with the reason
/// when rejected).
public struct OneNETDecoder: MessageDecoder {
    public let format = "onenet"
    public var transport: DecoderTransport { .mqtt(subscriptions: Self.subscriptions) }
    public let vendorProtocol: VendorProtocol? = .onenet
    public init() {}

    /// `$`-topics are not matched by `#`: each is subscribed explicitly.
    public static let subscriptions = ["$sys/+/+/thing/property/post", "$sys/+/+/thing/event/post"]

    public func handles(topic: String) -> Bool { topic.hasPrefix("$sys/") }

    func parse(_ topic: String) throws(Rejection) -> (product: String, device: String, kind: ThingModelReading.Kind) {
        let levels = topicLevels(topic)
        guard levels.count == 6, levels[0] == "$sys", levels[3] == "thing", levels[5] == "post",
              !levels[1].isEmpty, !levels[2].isEmpty else {
            throw Rejection(.badTopic, "expected $sys/{pid}/{device}/thing/{property|event}/post")
        }
        switch levels[4] {
        case "property": return (String(levels[1]), String(levels[2]), .property)
        case "event": return (String(levels[1]), String(levels[2]), .event)
        default: throw Rejection(.badTopic, "unsupported OneNET topic (property post and event post are handled)")
        }
    }

    public func decode(_ raw: RawMessage, registry: DeviceRegistry) throws(Rejection) -> [DeviceMessage] {
        let address = try parse(raw.topic)
        let (device, mapping) = try registry.vendorDevice(.onenet, product: address.product, name: address.device)
        let post = try decodeJSON(Post.self, from: raw.payload, deviceID: device.id)
        guard case let .object(params) = post.params, !params.isEmpty else {
            throw Rejection(.invalidPayload, "`params` must be an object of identifiers", deviceID: device.id)
        }
        var readings: [ThingModelReading] = []
        for (identifier, entry) in params.sorted(by: { $0.key < $1.key }) {
            guard case let .object(fields) = entry, let value = fields["value"] else {
                throw Rejection(.invalidPayload, "`params.\(identifier)` must be {\"value\": …, \"time\": …}", deviceID: device.id)
            }
            var ts = raw.receivedAt
            if let time = fields["time"] {
                guard let number = time.numberValue, let ms = Int64(exactly: number.rounded(.down)) else {
                    throw Rejection(.invalidPayload, "`params.\(identifier).time` must be epoch milliseconds", deviceID: device.id)
                }
                ts = ms
            }
            readings.append(ThingModelReading(address.kind, identifier, value: value, ts: ts))
        }
        return try ThingModelTranslator(format: format).messages(readings, mapping: mapping, device: device)
            .withIdentity(MessageIdentity.vendorSuffix(messageID: post.id, payload: raw.payload))
    }

    public func reply(to raw: RawMessage, outcome: IngestOutcome) -> DeviceReply? {
        guard case .some = try? parse(raw.topic),
              let post = try? JSONDecoder().decode(Post.self, from: raw.payload) else { return nil }
        var object: [String: JSONValue] = ["id": .string(post.id ?? "")]
        switch outcome {
        case .accepted:
            object["code"] = .number(200)
            object["msg"] = .string("success")
        case let .rejected(rejection):
            object["code"] = .number(400)
            object["msg"] = .string(rejection.reason.rawValue)
        }
        return DeviceReply(topic: raw.topic + "/reply", payload: replyJSON(object))
    }

    struct Post: Decodable {
        var id: String?
        var params: JSONValue?

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            if let text = try? container.decodeIfPresent(String.self, forKey: .id) { id = text }
            else if let number = try? container.decodeIfPresent(Int64.self, forKey: .id) { id = String(number) }
            params = try container.decodeIfPresent(JSONValue.self, forKey: .params)
        }

        enum CodingKeys: String, CodingKey { case id, params }
    }
}
