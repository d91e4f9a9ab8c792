import Foundation

/// The gateway's own JSON format on `devices/{community}/{deviceId}/{channel}`:
/// - telemetry `{"ts": <epoch ms>, "metrics": {"heart_rate": 72, "spo2": 97}}`
/// - event `{"ts": <epoch ms>, "event": "fall_detected", "data": {…}}`
/// - status `{"ts": <epoch ms>, "online": true}`
/// Unknown top-level keys are ignored, so devices may add fields without breaking. Telemetry `metrics` may hold
/// values of any JSON type: the validator keeps the numeric ones it knows and records the rest.
public struct CanonicalDecoder: MessageDecoder {
    public let format = "canonical"
    public let transport = DecoderTransport.mqtt(subscriptions: [DeviceTopic.subscription])
    public let vendorProtocol: VendorProtocol? = nil

    public init() {}

    public func handles(topic: String) -> Bool { topic.hasPrefix("devices/") || topic == "devices" }

    public func decode(_ raw: RawMessage, registry: DeviceRegistry) throws(Rejection) -> [DeviceMessage] {
        let payload = raw.payload
        let address = try DeviceTopic.parse(raw.topic)
        guard let device = registry.device(address.deviceID) else {
            throw Rejection(.unknownDevice, "device \"\(address.deviceID)\" is not registered", deviceID: address.deviceID)
        }
        guard device.community == address.community else {
            throw Rejection(.communityMismatch,
                            "device is registered in community \"\(device.community)\", published under \"\(address.community)\"",
                            deviceID: device.id)
        }
        let body: DeviceMessage.Body
        let ts: Int64
        var fieldProblems: [FieldProblem] = []
        switch address.channel {
        case .telemetry:
            if !payload.isEmpty {
                if let problem = StrictJSONScanner.check(payload) { throw StrictJSONScanner.rejection(problem, deviceID: device.id) }
                if let (fastTS, numbers) = CanonicalTelemetryReader.read(payload) {
                    ts = fastTS
                    body = .telemetry(numbers)
                    break
                }
            }
            let payload = try decodeJSON(TelemetryPayload.self, from: payload, deviceID: device.id, preflighted: true)
            ts = payload.ts
            var numbers: [String: Double] = [:]
            var problems: [FieldProblem] = []
            for (name, value) in payload.metrics {
                if let number = value.numberValue, number.isFinite {
                    numbers[name] = number
                } else {
                    problems.append(FieldProblem(field: name, reason: .invalidPayload, detail: "`\(name)` is not a number"))
                }
            }
            body = .telemetry(numbers)
            fieldProblems = problems.sorted { $0.field < $1.field }
        case .event:
            let payload = try decodeJSON(EventPayload.self, from: payload, deviceID: device.id)
            ts = payload.ts
            body = .event(name: payload.event, data: payload.data ?? [:])
        case .status:
            let payload = try decodeJSON(StatusPayload.self, from: payload, deviceID: device.id)
            ts = payload.ts
            body = .status(online: payload.online)
        }
        // Two messages of one device in one millisecond are two messages; a redelivery (the same bytes) is one.
        var message = DeviceMessage(deviceID: device.id, community: device.community, ts: ts, body: body, format: format,
                                    nativeKey: "h:" + MessageIdentity.digest(payload))
        message.fieldProblems = fieldProblems
        return [message]
    }

    private struct TelemetryPayload: Decodable {
        var ts: Int64
        var metrics: [String: JSONValue]

        enum CodingKeys: String, CodingKey { case ts, metrics }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            ts = try container.decode(Int64.self, forKey: .ts)
            // The common case, all numbers, decoded directly (a JSONValue per metric costs a thrown error per
            // type it is not); any other value falls back to JSONValue so the rest of the reading is kept.
            if let numbers = try? container.decode([String: Double].self, forKey: .metrics) {
                metrics = numbers.mapValues(JSONValue.number)
            } else {
                metrics = try container.decode([String: JSONValue].self, forKey: .metrics)
            }
        }
    }

    private struct EventPayload: Decodable {
        var ts: Int64
        var event: String
        var data: [String: JSONValue]?
    }

    private struct StatusPayload: Decodable {
        var ts: Int64
        var online: Bool
    }
}

/// Decodes JSON, turning Foundation's decoding errors into rejections that say which field is wrong.
/// `preflighted`: ``StrictJSONScanner`` already passed the payload (it is not checked twice).
func decodeJSON<T: Decodable>(_ type: T.Type, from payload: Data, deviceID: String?, preflighted: Bool = false) throws(Rejection) -> T {
    guard !payload.isEmpty else { throw Rejection(.malformedJSON, "empty payload", deviceID: deviceID) }
    if !preflighted, let problem = StrictJSONScanner.check(payload) { throw StrictJSONScanner.rejection(problem, deviceID: deviceID) }
    do {
        return try JSONDecoder().decode(type, from: payload)
    } catch let error as DecodingError {
        throw Rejection.from(error, deviceID: deviceID)
    } catch {
        throw Rejection(.malformedJSON, "not valid JSON", deviceID: deviceID)
    }
}

extension Rejection {
    static func from(_ error: DecodingError, deviceID: String?) -> Rejection {
        func path(_ keys: [any CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case let .keyNotFound(key, context):
            let field = path(context.codingPath + [key])
            return Rejection(.invalidPayload, "missing field `\(field)`", deviceID: deviceID)
        case let .typeMismatch(expected, context):
            return Rejection(.invalidPayload, "field `\(path(context.codingPath))` must be \(jsonKind(expected))",
                             deviceID: deviceID)
        case let .valueNotFound(expected, context):
            return Rejection(.invalidPayload, "field `\(path(context.codingPath))` is null, expected \(jsonKind(expected))",
                             deviceID: deviceID)
        case let .dataCorrupted(context):
            if context.codingPath.isEmpty {
                return Rejection(.malformedJSON, "not valid JSON", deviceID: deviceID)
            }
            return Rejection(.invalidPayload, "field `\(path(context.codingPath))` has an invalid value", deviceID: deviceID)
        @unknown default:
            return Rejection(.invalidPayload, "payload does not match the format", deviceID: deviceID)
        }
    }

    private static func jsonKind(_ type: Any.Type) -> String {
        switch type {
        case is Int64.Type, is Int.Type: "an integer"
        case is Double.Type: "a number"
        case is Bool.Type: "true or false"
        case is String.Type: "a string"
        default: "an object"
        }
    }
}
