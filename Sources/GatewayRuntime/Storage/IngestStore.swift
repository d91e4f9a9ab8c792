import Crypto
import DeviceModel
import Foundation
import GRDB

/// Writes what the ingest loop decided: accepted messages as events, rejected ones as dead letters, and
/// each device's last-seen and online state. The caller draws the transaction boundary (one per batch).
public struct IngestStore: Sendable {
    /// Dead letters keep at most this many bytes of the raw payload (the full size is recorded).
    public var deadLetterPayloadLimit: Int

    public init(deadLetterPayloadLimit: Int = 4096) {
        self.deadLetterPayloadLimit = deadLetterPayloadLimit
    }

    /// Stores `message` and, when `writingState`, its device's `device_state` row; returns `false` when it was
    /// already stored (a redelivery).
    public func insert(_ message: DeviceMessage, receivedAt: Int64, in db: Database, writingState: Bool = true) throws -> Bool {
        // A cached statement, bound directly (``HotStatement``): the hot path neither re-parses SQL nor boxes
        // arguments for every message.
        var insert = HotStatement(try db.cachedStatement(sql: """
                INSERT INTO events (device_id, community, channel, ts, native_key, received_at, event, body, format,
                                    field_problems, clock_skew_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (device_id, channel, ts, native_key) DO NOTHING
                """), in: db)
        insert.bind(message.deviceID)
        insert.bind(message.community)
        insert.bind(message.channel.rawValue)
        insert.bind(message.ts)
        insert.bind(message.nativeKey)
        insert.bind(receivedAt)
        insert.bind(message.eventName)
        insert.bind(EventBody.json(message.body))
        insert.bind(message.format)
        insert.bind(message.fieldProblems.isEmpty ? nil : EventBody.problems(message.fieldProblems))
        insert.bind(message.clockSkewMillis)
        guard try insert.run() > 0 else { return false }
        if writingState { try updateDeviceState(for: message, receivedAt: receivedAt, in: db) }
        return true
    }

    /// A dead letter keeps the payload's shape with its values masked (``DeadLetterRedaction``), its size
    /// and SHA-256. Only while an admin's raw capture runs for the device (``RawCaptureStore``) is the payload
    /// kept as received, and even then pushed bodies lose their personal fields (``PersonalFieldRedaction``).
    public func insertDeadLetter(topic: String, payload: Data, rejection: Rejection, receivedAt: Int64, size: Int? = nil,
                                 in db: Database) throws {
        let raw = try rejection.deviceID.map { try RawCaptureStore().isCapturing($0, now: receivedAt, in: db) } ?? false
        let kept: Data
        if raw {
            kept = topic.hasPrefix("push/") ? PersonalFieldRedaction.redact(payload) : payload
        } else {
            kept = DeadLetterRedaction.redact(payload.prefix(deadLetterPayloadLimit))
        }
        let digest = SHA256.hash(data: payload).map { String(format: "%02x", $0) }.joined()
        try db.cachedStatement(sql: """
                INSERT INTO dead_letters (received_at, topic, reason, detail, device_id, payload, payload_size, payload_sha256, payload_kept)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [
                receivedAt, String(topic.prefix(512)), rejection.reason.rawValue, rejection.detail, rejection.deviceID,
                kept.prefix(deadLetterPayloadLimit), size ?? payload.count, digest, raw ? "raw" : "redacted",
            ])
    }

    /// Any accepted traffic marks a device seen and online; a `status` message sets online/offline, unless
    /// a newer status is already known (messages may arrive out of order after a reconnect).
    private func updateDeviceState(for message: DeviceMessage, receivedAt: Int64, in db: Database) throws {
        let online: Bool
        let statusTS: Int64?
        if case let .status(value) = message.body {
            online = value
            statusTS = message.ts
        } else {
            online = true
            statusTS = nil
        }
        // An UPDATE of the device's row (one seek, the common case), an INSERT only for a device's first
        // message: an upsert builds the new row and seeks twice before it finds it has to update.
        var update = HotStatement(try db.cachedStatement(sql: """
                UPDATE device_state SET
                    online = CASE WHEN status_ts IS NULL OR ?4 >= status_ts THEN ?2 ELSE online END,
                    status_changed_at = CASE
                        WHEN (status_ts IS NULL OR ?4 >= status_ts) AND online != ?2 THEN ?5
                        ELSE status_changed_at END,
                    status_ts = CASE WHEN ?3 IS NOT NULL AND (status_ts IS NULL OR ?3 >= status_ts) THEN ?3 ELSE status_ts END,
                    last_ts = MAX(last_ts, ?4),
                    last_seen_at = ?5
                WHERE device_id = ?1
                """), in: db)
        update.bind(message.deviceID)
        update.bind(online)
        update.bind(statusTS)
        update.bind(message.ts)
        update.bind(receivedAt)
        guard try update.run() == 0 else { return }
        var insert = HotStatement(try db.cachedStatement(sql: """
                INSERT INTO device_state (device_id, online, status_ts, last_ts, first_seen_at, last_seen_at, status_changed_at)
                VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?5)
                """), in: db)
        insert.bind(message.deviceID)
        insert.bind(online)
        insert.bind(statusTS)
        insert.bind(message.ts)
        insert.bind(receivedAt)
        _ = try insert.run()
    }
}

/// The JSON stored in `events.body`: the metrics of telemetry, the data of an event, `{"online": …}` of status.
enum EventBody {
    static func json(_ body: DeviceMessage.Body) -> String {
        switch body {
        case let .telemetry(metrics):
            // Written by hand: metric names are validated identifiers from the type catalogue and values
            // are finite numbers, so no escaping is needed; JSONEncoder was a tenth of the ingest time.
            var json = "{"
            json.reserveCapacity(2 + metrics.count * 24)
            for (key, value) in metrics.sorted(by: { $0.key < $1.key }) {
                if json.utf8.count > 1 { json += "," }
                json += "\""
                json += key
                json += "\":"
                json += number(value)
            }
            return json + "}"
        case let .status(online):
            return online ? #"{"online":true}"# : #"{"online":false}"#
        case let .event(_, data) where data.isEmpty:
            return "{}"
        case .event:
            return encoded(body)
        }
    }

    /// `[{"detail":"…","field":"spo2","reason":"value_out_of_range"}]`: the fields a reading lost, keys sorted as
    /// JSONEncoder sorts them. Written by hand like telemetry: a reading with a field out of range is routine
    /// (a sensor's glitch repeats in every message until it is fixed), and JSONEncoder was 15 µs a message.
    static func problems(_ problems: [FieldProblem]) -> String {
        var json = "["
        json.reserveCapacity(2 + problems.count * 96)
        for problem in problems {
            if json.utf8.count > 1 { json += "," }
            json += #"{"detail":"#
            string(problem.detail, into: &json)
            json += #","field":"#
            string(problem.field, into: &json)
            json += #","reason":"#
            string(problem.reason.rawValue, into: &json)
            json += "}"
        }
        return json + "]"
    }

    /// `text` as a JSON string, escaped as JSONEncoder escapes it (with `.withoutEscapingSlashes`):
    /// quote, backslash and control characters (a field name is whatever the device sent).
    static func string(_ text: String, into json: inout String) {
        json += "\""
        var plain = text.utf8.startIndex
        for index in text.utf8.indices {
            let byte = text.utf8[index]
            guard byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 else { continue }
            json += text[plain..<index]
            switch byte {
            case UInt8(ascii: "\""): json += #"\""#
            case UInt8(ascii: "\\"): json += #"\\"#
            case 0x0A: json += #"\n"#
            case 0x0D: json += #"\r"#
            case 0x09: json += #"\t"#
            case 0x08: json += #"\b"#
            case 0x0C: json += #"\f"#
            default:
                let hex = String(byte, radix: 16)
                json += #"\u"# + String(repeating: "0", count: 4 - hex.count) + hex
            }
            plain = text.utf8.index(after: index)
        }
        json += text[plain...]
        json += "\""
    }

    /// `72` for whole numbers, otherwise Swift's shortest round-trip form (`36.6`).
    static func number(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    private static func encoded(_ body: DeviceMessage.Body) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data: Data?
        switch body {
        case let .telemetry(metrics): data = try? encoder.encode(metrics)
        case let .event(_, payload): data = try? encoder.encode(payload)
        case let .status(online): data = try? encoder.encode(["online": online])
        }
        return data.flatMap { String(data: $0, encoding: .utf8) } ?? "{}"
    }
}
