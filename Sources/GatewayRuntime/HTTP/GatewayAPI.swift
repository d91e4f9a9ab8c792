import AlertRules
import DeviceModel
import Foundation
import GRDB
import Hummingbird
import Logging
import NIOCore
import NIOFoundationCompat

/// The daemon's HTTP API (Hummingbird). Routes:
/// - `GET /healthz`: the process is up.
/// - `GET /readyz`: the broker is connected and the database writable (503 otherwise).
/// - `POST /api/v1/workorders/{externalId}/status` (role `workorder`): 受理/派遣/处置/办结 updates from the grid
///   work-order system; `closed` resolves the alert.
struct GatewayAPI: Sendable {
    let auth: BearerAuth
    let database: DatabasePool
    let workOrders: WorkOrderDesk
    let isBrokerConnected: @Sendable () -> Bool
    let clock: @Sendable () -> Int64
    let maxBodyBytes: Int
    let logger: Logger

    func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.get("/healthz") { _, _ in JSONResponse.response(["status": "ok"]) }
        router.get("/readyz") { _, _ in try await ready() }
        router.post("/api/v1/workorders/{externalId}/status") { request, context in
            try await workOrderStatus(request, context: context)
        }
        return router
    }

    private func ready() async throws -> Response {
        let broker = isBrokerConnected()
        var writable = false
        do {
            try await database.write { db in try db.execute(sql: "PRAGMA user_version = 0") }
            writable = true
        } catch {
            logger.error("readiness: database not writable", metadata: ["error": "\(error)"])
        }
        let body = ["broker_connected": broker, "database_writable": writable]
        return JSONResponse.response(body, status: broker && writable ? .ok : .serviceUnavailable)
    }

    private struct StatusUpdate: Decodable {
        var status: String
        var workOrderID: String?
        var handler: String?
        var note: String?

        enum CodingKeys: String, CodingKey {
            case status, workOrderID = "work_order_id", handler, note
        }
    }

    private func workOrderStatus(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let token = try auth.authenticate(request, allowing: [.workorder])
        guard let externalID = context.parameters.get("externalId"), ContactRules.isValidIdentifier(externalID) else {
            throw APIError(.badRequest, code: "invalid_external_id", message: "the external id is not a gateway alert id")
        }
        let update: StatusUpdate = try await decodeBody(request)
        guard let status = WorkOrderStatus(reported: update.status) else {
            throw APIError(.badRequest, code: "invalid_status",
                           message: "status must be one of accepted, dispatched, in_progress, closed (受理, 派遣, 处置, 办结)")
        }
        if let note = update.note, note.count > 1000 {
            throw APIError(.badRequest, code: "invalid_note", message: "note is longer than 1000 characters")
        }
        let actor = "workorder:\(token.id)"
        do {
            let reply = try await workOrders.update(externalID: externalID, status: status, workOrderID: update.workOrderID,
                                                    note: update.note, actor: actor, now: clock())
            logger.info("work order status", metadata: ["alert.id": "\(externalID)", "workorder.status": "\(status.rawValue)"])
            return JSONResponse.response(reply)
        } catch WorkOrderDesk.StatusError.unknownWorkOrder {
            throw APIError(.notFound, code: "unknown_work_order", message: "no work order was opened for this external id")
        }
    }

    /// Decodes a JSON body of at most `maxBodyBytes`: 413 when larger, 400 when not the expected JSON.
    private func decodeBody<T: Decodable>(_ request: Request) async throws -> T {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxBodyBytes)
        } catch {
            throw APIError(.contentTooLarge, code: "body_too_large", message: "request body is larger than \(maxBodyBytes) bytes")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer: buffer))
        } catch {
            throw APIError(.badRequest, code: "invalid_json", message: "request body is not the expected JSON object")
        }
    }
}
