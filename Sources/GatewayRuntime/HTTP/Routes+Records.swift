import DeviceModel
import Foundation
import Hummingbird

/// Stored records, newest first, paged with `limit` and `before` (an id from the previous page):
/// `GET /api/v1/devices/{id}/events` and `GET /api/v1/dead-letters` (filter `reason`).
/// Roles installer and operator.
extension GatewayAPI {
    func addRecordRoutes(to router: Router<GatewayRequestContext>) {
        router.get("/api/v1/devices/{id}/events") { request, context in
            _ = try auth.authenticate(request, allowing: [.installer, .operator])
            let id = try identifier(context, "id")
            guard host.registry.device(id) != nil else { throw APIError(.notFound, code: "not_found", message: "no such device") }
            let (limit, _) = try page(request)
            let before = try int64Parameter(request, "before") ?? Int64.max
            let items = try queries.events(device: id, before: before, limit: limit).map { record in
                EventView(id: record.id, channel: record.channel, ts: record.ts, receivedAt: record.receivedAt, event: record.event,
                          body: record.body, format: record.format)
            }
            let next: Int64? = items.count == limit ? items.last?.id : nil
            return JSONResponse.response(RecordPage(items: items, nextBefore: next))
        }
        router.get("/api/v1/dead-letters") { request, _ in
            _ = try auth.authenticate(request, allowing: [.installer, .operator])
            let (limit, _) = try page(request)
            let before = try int64Parameter(request, "before") ?? Int64.max
            var reason: Rejection.Reason?
            if let text = request.uri.queryParameters.get("reason") {
                guard let known = Rejection.Reason(rawValue: String(text)) else {
                    throw APIError(.badRequest, code: "invalid_reason", message: "unknown rejection reason")
                }
                reason = known
            }
            let items = try queries.deadLetters(reason: reason, before: before, limit: limit).map { record in
                DeadLetterView(id: record.id, receivedAt: record.receivedAt, topic: record.topic, reason: record.reason,
                               detail: record.detail, deviceID: record.deviceID,
                               payload: String(decoding: record.payload, as: UTF8.self), payloadSize: record.payloadSize,
                               payloadSHA256: record.payloadSHA256, payloadKept: record.payloadKept)
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
