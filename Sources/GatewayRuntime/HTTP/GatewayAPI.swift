import AlertRules
import DeviceModel
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOFoundationCompat

/// The daemon's HTTP API (Hummingbird): health and metrics, devices, alerts, events, dead letters and the
/// work-order status callback. `openapi.yaml` documents every route; a test checks they agree.
struct GatewayAPI: Sendable {
    let auth: BearerAuth
    let queries: RecordQueries
    let workOrders: WorkOrderDesk
    let devices: DeviceDesk
    let alerts: AlertDesk
    let replies: InboundReplyDesk
    let host: AlertEngineHost
    let metrics: GatewayMetrics
    let connections: @Sendable () -> [String: Bool]
    let inboxStalls: @Sendable () -> Int
    let isBrokerConnected: @Sendable () -> Bool
    /// Whether the broker granted every subscription of the last connect.
    let areSubscriptionsGranted: @Sendable () -> Bool
    let storageHealth: StorageHealth
    /// Why the gateway's own clock looks wrong (many devices skewed the same way), if it does.
    let clockSuspicion: @Sendable () -> String?
    /// When the last retention sweep finished (epoch ms), if one did.
    let lastRetentionSweep: @Sendable () -> Int64?
    /// Re-reads devices.yaml (`POST /api/v1/admin/reload`).
    let reload: ReloadHook
    let clock: @Sendable () -> Int64
    let maxBodyBytes: Int
    /// The larger limit of a fleet import's body (`POST /api/v1/devices/import`).
    var maxImportBytes = 32 * 1024 * 1024
    let logger: Logger
    /// HTTP event pushes (Hikvision ISAPI, Dahua); off when `nil`.
    var push: EventPushIntake? = nil
    /// Where alert snapshots are kept (`GET /api/v1/alerts/{id}/snapshot`).
    var snapshots: SnapshotStore? = nil
    /// Session cookies carry `Secure` (the API is served over TLS).
    var secureCookies = false
    /// `/readyz` and `/metrics` are computed at most once a second.
    let readiness = RecentAnswer<ReadinessAnswer>(maxAge: .seconds(1))
    let metricsText = RecentAnswer<String>(maxAge: .seconds(1))
    /// Failed authentications per source address (429 past the limit; nil = no limit).
    var authFailures: AuthFailureLimiter? = AuthFailureLimiter()

    /// Page sizes above this are refused (400).
    static let maxPageSize = 200

    func router() -> Router<GatewayRequestContext> {
        let router = Router(context: GatewayRequestContext.self)
        if let authFailures {
            router.add(middleware: AuthFailureMiddleware(limiter: authFailures, refused: { [metrics] in metrics.recordAuthThrottled() }))
        }
        router.get("/healthz") { _, _ in JSONResponse.response(["status": "ok"]) }
        router.get("/readyz") { _, _ in try await ready() }
        router.get("/metrics") { request, _ in
            _ = try auth.authenticate(request, allowing: [.metrics])
            return try await renderMetrics()
        }
        router.get("/openapi.yaml") { _, _ in try openAPIDocument() }
        router.post("/api/v1/workorders/{externalId}/status") { request, context in
            try await workOrderStatus(request, context: context)
        }
        addDeviceRoutes(to: router)
        addDeviceImportRoute(to: router)
        addConsoleAlertRoutes(to: router)
        addAlertRoutes(to: router)
        addSessionRoutes(to: router)
        addConsolePageRoutes(to: router)
        addRecordRoutes(to: router)
        addRawCaptureRoutes(to: router)
        addPushRoutes(to: router)
        addDutyRoutes(to: router)
        addReportRoutes(to: router)
        router.post("/api/v1/admin/reload") { request, _ in
            let token = try auth.authenticate(request, allowing: [.admin])
            switch await reload(actor: token.id) {
            case let .reloaded(summary):
                return JSONResponse.response(["status": "reloaded", "summary": summary])
            case let .refused(issues):
                throw ValidationError(issues: issues, code: "invalid_config")
            }
        }
        return router
    }

    private func renderMetrics() async throws -> Response {
        let text = try await metricsText.value {
            try metrics.render(queries.metricsSnapshot(now: clock()), connections: connections(), inboxStalls: inboxStalls(),
                               lastRetentionSweep: lastRetentionSweep())
        }
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    private func openAPIDocument() throws -> Response {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"),
              let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw APIError(.internalServerError, code: "internal", message: "the API document is missing from this build")
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/yaml; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// Ready: broker connected with every subscription granted, the database readable and its last write taken.
    /// Read-only (no write per request) and computed at most once a second.
    private func ready() async throws -> Response {
        let answer = await readiness.value { await computeReadiness() }
        return JSONResponse.response(answer.view, status: answer.ready ? .ok : .serviceUnavailable)
    }

    struct ReadinessAnswer: Sendable {
        var view: ReadinessView
        var ready: Bool
    }

    private func computeReadiness() async -> ReadinessAnswer {
        let broker = isBrokerConnected()
        var readable = false
        do {
            try await queries.probeReadable()
            readable = true
        } catch {
            logger.error("readiness: database not readable", metadata: ["error": "\(error)"])
        }
        let writable = readable && storageHealth.lastFailure == nil
        let subscribed = areSubscriptionsGranted()
        var body = ReadinessView(brokerConnected: broker, databaseWritable: writable, subscriptionsGranted: subscribed)
        if let failure = storageHealth.lastFailure {
            // Ingest is holding a batch it cannot store: the broker keeps it unacknowledged.
            body.ingestBlocked = "database refused writes since \(failure.since): \(failure.reason)"
        }
        // Reported, not a reason to be unready: traffic is still kept (stored with device and arrival time).
        body.gatewayClockSuspect = clockSuspicion()
        return ReadinessAnswer(view: body, ready: broker && writable && subscribed && body.ingestBlocked == nil)
    }

    struct ReadinessView: Encodable, Sendable {
        var brokerConnected: Bool
        var databaseWritable: Bool
        var subscriptionsGranted: Bool
        var ingestBlocked: String?
        var gatewayClockSuspect: String?

        enum CodingKeys: String, CodingKey {
            case gatewayClockSuspect = "gateway_clock_suspect"
            case brokerConnected = "broker_connected", databaseWritable = "database_writable"
            case subscriptionsGranted = "subscriptions_granted", ingestBlocked = "ingest_blocked"
        }
    }

    private struct StatusUpdate: Decodable {
        var status: String
        var workOrderID: String?
        var handler: String?
        var note: String?
        /// On `closed`: what the case turned out to be (`genuine`/真实警情, `false_alarm`/误报, …).
        var resolution: String?

        enum CodingKeys: String, CodingKey {
            case status, workOrderID = "work_order_id", handler, note, resolution
        }
    }

    private func workOrderStatus(_ request: Request, context: GatewayRequestContext) async throws -> Response {
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
        var resolution: ResolutionCategory?
        if let text = update.resolution {
            guard let category = ResolutionCategory(text: text) else {
                throw APIError(.badRequest, code: "invalid_resolution", message: "resolution must be one of: \(ResolutionCategory.choices)")
            }
            resolution = category
        }
        let actor = "workorder:\(token.id)"
        do {
            let reply = try await workOrders.update(externalID: externalID, status: status, workOrderID: update.workOrderID,
                                                    note: update.note, actor: actor, resolution: resolution, now: clock())
            logger.info("work order status", metadata: ["alert.id": "\(externalID)", "workorder.status": "\(status.rawValue)"])
            return JSONResponse.response(reply)
        } catch WorkOrderDesk.StatusError.unknownWorkOrder {
            throw APIError(.notFound, code: "unknown_work_order", message: "no work order was opened for this external id")
        }
    }

    /// Decodes a JSON body of at most `maxBodyBytes`: 413 when larger, 400 when not the expected JSON.
    func decodeBody<T: Decodable>(_ request: Request) async throws -> T {
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

extension GatewayAPI {
    /// `limit` (1…200, default 50) and `offset` (≥ 0) query parameters.
    func page(_ request: Request) throws -> (limit: Int, offset: Int) {
        let limit = try intParameter(request, "limit") ?? 50
        let offset = try intParameter(request, "offset") ?? 0
        guard (1...Self.maxPageSize).contains(limit) else {
            throw APIError(.badRequest, code: "invalid_limit", message: "limit must be between 1 and \(Self.maxPageSize)")
        }
        guard offset >= 0 else { throw APIError(.badRequest, code: "invalid_offset", message: "offset must not be negative") }
        return (limit, offset)
    }

    func intParameter(_ request: Request, _ name: String) throws -> Int? {
        guard let text = request.uri.queryParameters.get(name) else { return nil }
        guard let value = Int(text) else {
            throw APIError(.badRequest, code: "invalid_\(name)", message: "\(name) must be a whole number")
        }
        return value
    }

    func int64Parameter(_ request: Request, _ name: String) throws -> Int64? {
        guard let text = request.uri.queryParameters.get(name) else { return nil }
        guard let value = Int64(text) else {
            throw APIError(.badRequest, code: "invalid_\(name)", message: "\(name) must be a whole number")
        }
        return value
    }

    /// A path parameter that must be an identifier (device or alert id).
    func identifier(_ context: GatewayRequestContext, _ name: String) throws -> String {
        guard let value = context.parameters.get(name), ContactRules.isValidIdentifier(value) else {
            throw APIError(.notFound, code: "not_found", message: "no such \(name)")
        }
        return value
    }
}
