import Foundation

/// Dahua event text as the terminals send it (../shared/DOMAIN.md §1.6): one or more blocks
/// `Code=AccessControl;action=Pulse;index=0;data={…}` (the JSON `data` may span lines), from
/// `eventManager.cgi` streams or an event upload POST; or the same events in JSON form
/// (`{"Code":…,"Action":…,"Index":…,"Data":{…}}`, see ``jsonBlocks(_:deviceID:)``); topic `push/dahua/{deviceId}`.
///
/// - `AccessControl`: `data.Status` 1 = granted, 0 = denied; `data.Method` (CGI numbering: 1 card,
///   4 remote, 5 exit button, 15 face — not the NetSDK enum, which is offset by one) says how.
/// - `DoorNotClosed` → door held open, `BreakIn` → door forced, `Duress`, `ChassisIntruded` → tamper,
///   `DoorStatus` (`data.Status` Open/Close) → door opened/closed, `Heartbeat` → a sign of life.
/// - `action=Stop` ends a state; it is kept as a sign of life, not as a new event.
/// Time: `data.UTC` (epoch seconds), else `data.LocaleTime` read as China Standard Time, else arrival.
/// Native key: `RecNo` when present, else code, action and index. Personal fields (`Name`, `CardNo`,
/// `UserID`, `Password`, `SnapURL`) are not kept.
public struct DahuaEventDecoder: MessageDecoder {
    public let format = "dahua"
    public let transport = DecoderTransport.httpPush
    public let vendorProtocol: VendorProtocol? = .dahua
    public static let topicPrefix = "push/dahua/"  // the HTTP push route's topic (DecoderTransport.httpPush)

    public init() {}

    public func handles(topic: String) -> Bool { topic.hasPrefix(Self.topicPrefix) }

    struct Block {
        var code: String
        var action: String
        var index: String
        var data: [String: JSONValue]
    }

    public func decode(_ raw: RawMessage, registry: DeviceRegistry) throws(Rejection) -> [DeviceMessage] {
        let deviceID = String(raw.topic.dropFirst(Self.topicPrefix.count))
        guard let device = registry.device(deviceID) else {
            throw Rejection(.unknownDevice, "device \"\(deviceID)\" is not registered", deviceID: deviceID)
        }
        guard let text = String(data: raw.payload, encoding: .utf8) else {
            throw Rejection(.invalidPayload, "the event text is not UTF-8", deviceID: device.id)
        }
        let trimmed = text.drop { $0.isWhitespace || $0 == "\u{FEFF}" }
        let blocks = trimmed.hasPrefix("{") || trimmed.hasPrefix("[")
            ? try Self.jsonBlocks(raw.payload, deviceID: device.id)
            : try Self.blocks(text, deviceID: device.id)
        guard !blocks.isEmpty else {
            throw Rejection(.invalidPayload, "no `Code=…;action=…` event in the body", deviceID: device.id)
        }
        return try blocks.map { block throws(Rejection) in try message(block, device: device, raw: raw) }
    }

    private func message(_ block: Block, device: Device, raw: RawMessage) throws(Rejection) -> DeviceMessage {
        var ts = raw.receivedAt
        if let utc = block.data["UTC"]?.numberValue {
            // Epoch seconds; anything beyond year 9999 (or not a number a clock makes) is refused, not trapped on.
            guard utc.isFinite, (0...253_402_300_799).contains(utc) else {
                throw Rejection(.invalidPayload, "`data.UTC` is not epoch seconds", deviceID: device.id)
            }
            ts = Int64(utc.rounded(.down)) * 1000
        } else if case let .string(local)? = block.data["LocaleTime"] {
            guard let millis = WireTime.epochMillis(local) else {
                throw Rejection(.invalidPayload, "`data.LocaleTime` is not a time", deviceID: device.id)
            }
            ts = millis
        }
        var data: [String: JSONValue] = ["native_code": .string(block.code), "action": .string(block.action)]
        for (field, key) in [("RecNo", "rec_no"), ("Door", "door_no"), ("Method", "method"), ("Status", "status"),
                             ("ErrorCode", "error_code"), ("Type", "type"), ("Similarity", "similarity")] {
            if let value = block.data[field] { data[key] = value }
        }
        if let first = raw.media.first { data["snapshot"] = first.jsonValue }
        let recNo = block.data["RecNo"]?.numberValue.flatMap { Int64(exactly: $0) }.map(String.init)
        let key = recNo.map { "rec:\($0)" } ?? "\(block.code):\(block.action):\(block.index)"
        func make(_ body: DeviceMessage.Body) -> DeviceMessage {
            DeviceMessage(deviceID: device.id, community: device.community, ts: ts, body: body, format: format, nativeKey: key)
        }
        if block.code.caseInsensitiveCompare("Heartbeat") == .orderedSame || block.action.caseInsensitiveCompare("Stop") == .orderedSame {
            return make(.status(online: true))
        }
        guard let name = Self.event(block) else {
            data["format"] = .string(format)
            return make(.event(name: DeviceMessage.unknownVendorEvent, data: data))
        }
        return make(.event(name: name, data: data))
    }

    /// The canonical event of a block, `nil` for codes the table does not know.
    static func event(_ block: Block) -> String? {
        switch block.code {
        case "AccessControl":
            let method = block.data["Method"]?.numberValue.flatMap { Int(exactly: $0) }
            let granted = block.data["Status"]?.numberValue == 1
            switch (granted, method) {
            case (true, 15): return "face_auth_passed"
            case (true, 1): return "card_auth_passed"
            case (true, 4): return "remote_open"
            case (true, 5): return "exit_button"
            case (true, _): return "lock_opened"
            case (false, 15): return "face_auth_failed"
            case (false, _): return "card_auth_failed"
            }
        case "DoorNotClosed": return "door_held_open"
        case "BreakIn": return "door_forced"
        case "Duress": return "duress"
        case "ChassisIntruded": return "tamper"
        case "DoorStatus":
            switch block.data["Status"]?.stringValue?.lowercased() {
            case "open": return "door_opened"
            case "close": return "door_closed"
            default: return nil
            }
        default: return nil
        }
    }

    /// Dahua's event push in its JSON form (VTO door stations, their MQTT bridges): one object
    /// `{"Code": "AccessControl", "Action": "Pulse", "Index": 0, "Data": {…}}`, a list of them, or an object
    /// with such a list under `Events`. Keys are matched without regard to case.
    static func jsonBlocks(_ payload: Data, deviceID: String) throws(Rejection) -> [Block] {
        let document = try decodeJSON(JSONValue.self, from: payload, deviceID: deviceID)
        func field(_ object: [String: JSONValue], _ name: String) -> JSONValue? {
            object.first { $0.key.caseInsensitiveCompare(name) == .orderedSame }?.value
        }
        let items: [JSONValue]
        switch document {
        case let .array(list): items = list
        case let .object(object):
            if case let .array(list)? = field(object, "Events") { items = list } else { items = [document] }
        default: throw Rejection(.invalidPayload, "a Dahua JSON event must be an object or a list of objects", deviceID: deviceID)
        }
        return try items.map { item throws(Rejection) in
            guard case let .object(object) = item, case let .string(code)? = field(object, "Code"), !code.isEmpty else {
                throw Rejection(.invalidPayload, "a Dahua JSON event has no `Code`", deviceID: deviceID)
            }
            var data: [String: JSONValue] = [:]
            switch field(object, "Data") {
            case let .object(fields)?: data = fields
            case nil, .null?: break
            default: throw Rejection(.invalidPayload, "`Data` of a \(code) event must be an object", deviceID: deviceID)
            }
            let index: String = switch field(object, "Index") {
            case let .number(number)?: number.rounded() == number && abs(number) < 1e9 ? String(Int(number)) : "0"
            case let .string(text)?: text
            default: "0"
            }
            return Block(code: code, action: field(object, "Action")?.stringValue ?? "", index: index, data: data)
        }
    }

    /// Splits the body into blocks at each `Code=` that starts a line; `data=` runs to the block's end.
    static func blocks(_ text: String, deviceID: String) throws(Rejection) -> [Block] {
        var chunks: [String] = []
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("Code=") { chunks.append(trimmed) }
            else if !chunks.isEmpty, !trimmed.hasPrefix("--"), !trimmed.lowercased().hasPrefix("content-") {
                chunks[chunks.count - 1] += "\n" + trimmed
            }
        }
        return try chunks.map { chunk throws(Rejection) in
            var fields: [String: String] = [:]
            var rest = Substring(chunk)
            while !rest.isEmpty {
                if rest.hasPrefix("data=") {
                    fields["data"] = String(rest.dropFirst(5))
                    break
                }
                let end = rest.firstIndex(of: ";") ?? rest.endIndex
                let pair = rest[..<end]
                if let equals = pair.firstIndex(of: "=") {
                    fields[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
                }
                rest = end == rest.endIndex ? "" : rest[rest.index(after: end)...]
            }
            guard let code = fields["Code"], !code.isEmpty else {
                throw Rejection(.invalidPayload, "an event block has no `Code`", deviceID: deviceID)
            }
            var data: [String: JSONValue] = [:]
            if let json = fields["data"]?.trimmingCharacters(in: .whitespacesAndNewlines), !json.isEmpty {
                guard case let .object(object) = try decodeJSON(JSONValue.self, from: Data(json.utf8), deviceID: deviceID) else {
                    throw Rejection(.invalidPayload, "`data` of a \(code) event must be a JSON object", deviceID: deviceID)
                }
                data = object
            }
            return Block(code: code, action: fields["action"] ?? "", index: fields["index"] ?? "0", data: data)
        }
    }
}
