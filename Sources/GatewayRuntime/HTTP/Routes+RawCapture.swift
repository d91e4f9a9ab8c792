import DeviceModel
import Foundation
import Hummingbird

/// `/api/v1/devices/{id}/raw-capture` (role admin): dead letters of one device keep the payload as received
/// instead of its masked shape, for a limited time (`{"duration": "30m"}`, at most 24 h). `GET` shows the
/// capture, `PUT` starts or extends it, `DELETE` ends it (idempotent); starting and ending are audited.
extension GatewayAPI {
    func addRawCaptureRoutes(to router: Router<GatewayRequestContext>) {
        router.get("/api/v1/devices/{id}/raw-capture") { request, context in
            _ = try auth.authenticate(request, allowing: [.admin])
            let id = try identifier(context, "id")
            guard host.registry.device(id) != nil else { throw APIError(.notFound, code: "not_found", message: "no such device") }
            let now = clock()
            let capture = try queries.rawCapture(id, now: now)
            return JSONResponse.response(RawCaptureView(deviceID: id, capturing: capture != nil, until: capture?.until, by: capture?.by))
        }
        router.put("/api/v1/devices/{id}/raw-capture") { request, context in
            let token = try auth.authenticate(request, allowing: [.admin])
            let id = try identifier(context, "id")
            guard host.registry.device(id) != nil else { throw APIError(.notFound, code: "not_found", message: "no such device") }
            let body: RawCaptureRequest = try await decodeBody(request)
            guard let seconds = DurationText.seconds(body.duration), seconds > 0,
                  Int64(seconds) * 1000 <= RawCaptureStore.maxDurationMillis else {
                throw APIError(.badRequest, code: "invalid_duration", message: "duration must be like 30m or 4h, at most 24h")
            }
            let now = clock()
            let capture = try await queries.startRawCapture(id, until: now + Int64(seconds) * 1000, by: token.id, now: now)
            return JSONResponse.response(capture)
        }
        router.delete("/api/v1/devices/{id}/raw-capture") { request, context in
            let token = try auth.authenticate(request, allowing: [.admin])
            let id = try identifier(context, "id")
            let now = clock()
            guard host.registry.device(id) != nil else { throw APIError(.notFound, code: "not_found", message: "no such device") }
            try await queries.stopRawCapture(id, by: token.id, now: now)
            return Response(status: .noContent)
        }
    }
}

/// `{"duration": "30m"}`.
struct RawCaptureRequest: Decodable {
    var duration: String
}

struct RawCaptureView: Encodable {
    var deviceID: String
    var capturing: Bool
    var until: Int64?
    var by: String?

    enum CodingKeys: String, CodingKey {
        case deviceID = "device_id", capturing, until, by
    }
}
