import DeviceModel
import Foundation
import GRDB
import Hummingbird

/// Stored records, newest first, paged with `limit` and `before` (an id from the previous page):
/// `GET /api/v1/devices/{id}/events` and `GET /api/v1/dead-letters` (filter `reason`).
/// Roles installer and operator.
extension GatewayAPI {
    func addRecordRoutes(to router: Router<BasicRequestContext>) {
        router.get("/api/v1/devices/{id}/events") { request, context in
            _ = try auth.authenticate(request, allowing: [.installer, .operator])
            let id = try identifier(context, "id")
            guard host.registry.device(id) != nil else { throw APIError(.notFound, code: "not_found", message: "no such device") }
            let (limit, _) = try page(request)
            let before = try int64Parameter(request, "before") ?? Int64.max
            let rows = try database.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT id, channel, ts, received_at, event, body, format FROM events
                    WHERE device_id = ? AND id < ? ORDER BY id DESC LIMIT ?
                    """, arguments: [id, before, limit])
            }
            let items = rows.map { row in
                EventView(id: row["id"], channel: row["channel"], ts: row["ts"], receivedAt: row["received_at"], event: row["event"],
                          body: (try? JSONDecoder().decode([String: JSONValue].self, from: Data((row["body"] as String).utf8))) ?? [:],
                          format: row["format"])
            }
            let next: Int64? = items.count == limit ? items.last?.id : nil
            return JSONResponse.response(RecordPage(items: items, nextBefore: next))
        }
        router.get("/api/v1/dead-letters") { request, _ in
            _ = try auth.authenticate(request, allowing: [.installer, .operator])
            let (limit, _) = try page(request)
            let before = try int64Parameter(request, "before") ?? Int64.max
            let reason: String? = request.uri.queryParameters.get("reason").map { String($0) }
            if let reason, Rejection.Reason(rawValue: reason) == nil {
                throw APIError(.badRequest, code: "invalid_reason", message: "unknown rejection reason")
            }
            let rows = try database.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT id, received_at, topic, reason, detail, device_id, payload, payload_size, payload_sha256, payload_kept FROM dead_letters
                    WHERE id < ? AND (? IS NULL OR reason = ?) ORDER BY id DESC LIMIT ?
                    """, arguments: [before, reason, reason, limit])
            }
            let items = rows.map { row in
                DeadLetterView(id: row["id"], receivedAt: row["received_at"], topic: row["topic"], reason: row["reason"],
                               detail: row["detail"], deviceID: row["device_id"],
                               payload: String(decoding: (row["payload"] as Data?) ?? Data(), as: UTF8.self),
                               payloadSize: row["payload_size"], payloadSHA256: row["payload_sha256"], payloadKept: row["payload_kept"])
            }
            let next: Int64? = items.count == limit ? items.last?.id : nil
            return JSONResponse.response(RecordPage(items: items, nextBefore: next))
        }
    }
}

struct RecordPage<Item: Encodable>: Encodable {
    var items: [Item]
    /// Pass as `before` to get the next (older) page; absent on the last page.
    var nextBefore: Int64?

    enum CodingKeys: String, CodingKey {
        case items, nextBefore = "next_before"
    }
}

struct EventView: Encodable {
    var id: Int64
    var channel: String
    var ts: Int64
    var receivedAt: Int64
    var event: String?
    var body: [String: JSONValue]
    var format: String

    enum CodingKeys: String, CodingKey {
        case id, channel, ts, event, body, format, receivedAt = "received_at"
    }
}

struct DeadLetterView: Encodable {
    var id: Int64
    var receivedAt: Int64
    var topic, reason, detail: String
    var deviceID: String?
    /// The payload's shape with values masked (`payload_kept` "redacted"), or under a raw capture the first
    /// 4 KiB as received ("raw"; invalid UTF-8 replaced).
    var payload: String
    var payloadSize: Int
    var payloadSHA256: String?
    var payloadKept: String

    enum CodingKeys: String, CodingKey {
        case id, topic, reason, detail, payload
        case receivedAt = "received_at", deviceID = "device_id", payloadSize = "payload_size"
        case payloadSHA256 = "payload_sha256", payloadKept = "payload_kept"
    }
}
