import Foundation

/// Hikvision ISAPI event push, after the HTTP shell has authenticated the device and taken the event
/// document out of the request (../shared/DOMAIN.md §1): topic `push/isapi/{deviceId}`, payload the JSON
/// event (`{"eventType":"AccessControllerEvent","dateTime":"…+08:00","AccessControllerEvent":{
/// "majorEventType":5,"subEventType":75,"serialNo":1234,…}}`) or the XML `EventNotificationAlert`,
/// with the request's images as media references.
///
/// Access-control codes and analytics event types map through ``HikvisionCodeTable`` (analytics names
/// also through the deployment's `isapi_event_types`, which come first); anything else
/// becomes `vendor.unknown` with its native code. A passage produces several posts (auth, lock, door
/// open, door close) with their own `serialNo`; the serial number is the message's native key, so a
/// retried post is stored once and the distinct posts of one second are all kept.
/// Personal fields (`name`, `employeeNoString`, `cardNo`, face rectangles, picture URLs) are not kept.
public struct HikvisionISAPIDecoder: MessageDecoder {
    public let format = "isapi"
    public let transport = DecoderTransport.httpPush
    public let vendorProtocol: VendorProtocol? = .isapi
    public static let topicPrefix = "push/isapi/"  // the HTTP push route's topic (DecoderTransport.httpPush)

    public init() {}

    public func handles(topic: String) -> Bool { topic.hasPrefix(Self.topicPrefix) }

    public func decode(_ raw: RawMessage, registry: DeviceRegistry) throws(Rejection) -> [DeviceMessage] {
        let deviceID = String(raw.topic.dropFirst(Self.topicPrefix.count))
        guard let device = registry.device(deviceID) else {
            throw Rejection(.unknownDevice, "device \"\(deviceID)\" is not registered", deviceID: deviceID)
        }
        let document = try Self.document(raw.payload, deviceID: device.id)
        guard let eventType = Self.text(document["eventType"]), !eventType.isEmpty else {
            throw Rejection(.invalidPayload, "missing field `eventType`", deviceID: device.id)
        }
        var ts = raw.receivedAt
        if let text = Self.text(document["dateTime"]) {
            guard let millis = WireTime.epochMillis(text) else {
                throw Rejection(.invalidPayload, "field `dateTime` is not an ISO 8601 time", deviceID: device.id)
            }
            ts = millis
        }
        let active = (Self.text(document["eventState"]) ?? "active").lowercased() != "inactive"
        var data: [String: JSONValue] = [:]
        if let first = raw.media.first {
            data["snapshot"] = first.jsonValue
            if raw.media.count > 1 { data["snapshots"] = .array(raw.media.map(\.jsonValue)) }
        }
        func message(_ body: DeviceMessage.Body, key: String) -> DeviceMessage {
            DeviceMessage(deviceID: device.id, community: device.community, ts: ts, body: body, format: format, nativeKey: key)
        }

        if Self.isAccessControl(eventType) {
            guard case let .object(event)? = document["AccessControllerEvent"] else {
                throw Rejection(.invalidPayload, "missing object `AccessControllerEvent`", deviceID: device.id)
            }
            guard let major = Self.integer(event["majorEventType"]), let minor = Self.integer(event["subEventType"]) else {
                throw Rejection(.invalidPayload, "`AccessControllerEvent` needs numeric `majorEventType` and `subEventType`",
                                deviceID: device.id)
            }
            let code = "\(major)/\(minor)"
            data["native_code"] = .string(code)
            for (field, key) in Self.keptAccessFields {
                if let value = event[field], value != .string("") { data[key] = Self.integer(value).map { .number(Double($0)) } ?? value }
            }
            let serial = Self.integer(event["serialNo"])
            let key = serial.map { "sn:\($0)" } ?? "c:\(code)"
            guard let name = HikvisionCodeTable.accessEvent(major: major, minor: minor) else {
                data["format"] = .string(format)
                return [message(.event(name: DeviceMessage.unknownVendorEvent, data: data), key: key)]
            }
            return [message(.event(name: name, data: data), key: key)]
        }

        if HikvisionCodeTable.isHeartbeat(eventType: eventType, active: active) {
            return [message(.status(online: true), key: "hb")]
        }
        let channel = Self.integer(document["channelID"]) ?? Self.integer(document["dynChannelID"]) ?? 0
        data["native_code"] = .string(eventType)
        data["channel_id"] = .number(Double(channel))
        data["event_state"] = .string(active ? "active" : "inactive")
        if let count = Self.integer(document["activePostCount"]) { data["active_post_count"] = .number(Double(count)) }
        let key = "\(eventType):\(active ? "active" : "inactive"):\(channel)"
        guard let type = registry.analyticsType(eventType) else {
            data["format"] = .string(format)
            return [message(.event(name: DeviceMessage.unknownVendorEvent, data: data), key: key)]
        }
        if active { return [message(.event(name: type.active, data: data), key: key)] }
        if let ending = type.inactive { return [message(.event(name: ending, data: data), key: key)] }
        // The end of an analytics event that has no canonical end: the device is alive, nothing more.
        return [message(.status(online: true), key: key)]
    }

    /// `AccessControllerEvent` fields kept (renamed to the gateway's snake case): none identifies a person.
    static let keptAccessFields: [(String, String)] = [
        ("serialNo", "serial_no"), ("doorNo", "door_no"), ("cardReaderNo", "card_reader_no"),
        ("currentVerifyMode", "verify_mode"), ("userType", "user_type"), ("mask", "mask"),
        ("attendanceStatus", "attendance_status"), ("picturesNumber", "pictures"), ("frontSerialNo", "front_serial_no"),
    ]

    static func isAccessControl(_ eventType: String) -> Bool {
        eventType.caseInsensitiveCompare("AccessControllerEvent") == .orderedSame
    }

    /// The event document as an object: JSON, or XML read into the same shape.
    static func document(_ payload: Data, deviceID: String) throws(Rejection) -> [String: JSONValue] {
        guard let first = payload.first(where: { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 || $0 == 0xEF || $0 == 0xBB || $0 == 0xBF) }) else {
            throw Rejection(.malformedJSON, "empty event document", deviceID: deviceID)
        }
        if first == UInt8(ascii: "<") {
            let value: JSONValue
            do throws(XMLPreflight.Refusal) {
                value = try XMLDocumentTree.parse(payload).value
            } catch .tooDeep {
                throw Rejection(.tooDeep, XMLPreflight.Refusal.tooDeep.detail, deviceID: deviceID)
            } catch {
                throw Rejection(.invalidPayload, error.detail, deviceID: deviceID)
            }
            guard case let .object(object) = value else {
                throw Rejection(.invalidPayload, "not an EventNotificationAlert XML document (the root element has no children)", deviceID: deviceID)
            }
            return object
        }
        let value = try decodeJSON(JSONValue.self, from: payload, deviceID: deviceID)
        guard case let .object(object) = value else {
            throw Rejection(.invalidPayload, "the event document must be a JSON object", deviceID: deviceID)
        }
        return object
    }

    /// Numbers as JSON sends them, or as XML text.
    static func integer(_ value: JSONValue?) -> Int? {
        switch value {
        case let .number(number)?: Int(exactly: number)
        case let .integer(number)?: Int(exactly: number)
        case let .string(text)?: Int(text.trimmingCharacters(in: .whitespaces))
        default: nil
        }
    }

    static func text(_ value: JSONValue?) -> String? {
        if case let .string(text)? = value { text } else { nil }
    }
}
