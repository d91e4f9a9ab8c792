import AlertRules
import Foundation
import Hummingbird

/// `/api/v1/alerts`: list (filters `community`, `state`, `severity`, `since`), get with its transitions,
/// acknowledge, resolve with a note. Role operator.
extension GatewayAPI {
    func addAlertRoutes(to router: Router<GatewayRequestContext>) {
        router.get("/api/v1/alerts") { request, _ in
            _ = try auth.authenticate(request, allowing: [.operator])
            let (limit, offset) = try page(request)
            let query = request.uri.queryParameters
            var filter = RecordQueries.AlertFilter(community: query.get("community"), updatedSince: try int64Parameter(request, "since"))
            if let state = query.get("state") {
                guard let state = AlertState(rawValue: state) else {
                    throw APIError(.badRequest, code: "invalid_state", message: "state must be open, acknowledged or resolved")
                }
                filter.state = state
            }
            if let severity = query.get("severity") {
                guard let severity = Severity(rawValue: severity) else {
                    throw APIError(.badRequest, code: "invalid_severity", message: "severity must be info, warning, major or critical")
                }
                filter.severity = severity
            }
            let (total, alerts) = try queries.alerts(filter, limit: limit, offset: offset)
            let items = alerts.map { AlertPayload($0) }
            return JSONResponse.response(Page(items: items, total: total, limit: limit, offset: offset))
        }
        router.get("/api/v1/alerts/{id}") { request, context in
            _ = try auth.authenticate(request, allowing: [.operator])
            let id = try identifier(context, "id")
            guard let (alert, steps) = try queries.alert(id) else { throw APIError(.notFound, code: "not_found", message: "no such alert") }
            let history = steps.map { step in
                AlertHistoryEntry(kind: step.kind, actor: step.actor, reason: step.reason, at: step.at, state: step.state,
                                  escalationLevel: step.escalationLevel?.name ?? "grid")
            }
            return JSONResponse.response(AlertDetail(alert: AlertPayload(alert), transitions: history))
        }
        router.post("/api/v1/alerts/{id}/ack") { request, context in
            try await act(.acknowledge, request, context)
        }
        router.post("/api/v1/alerts/{id}/resolve") { request, context in
            try await act(.resolve, request, context)
        }
    }

    private func act(_ action: AlertDesk.Action, _ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        let token = try auth.authenticate(request, allowing: [.operator])
        let id = try identifier(context, "id")
        let body: AlertActionRequest = request.headers[.contentLength] == "0" ? AlertActionRequest() : try await decodeBody(request)
        if let note = body.note, note.count > 500 {
            throw APIError(.badRequest, code: "invalid_note", message: "note is longer than 500 characters")
        }
        var category: ResolutionCategory?
        if let text = body.category {
            category = ResolutionCategory(text: text)
            if category == nil {
                throw APIError(.badRequest, code: "invalid_category", message: "unknown category; expected one of: \(ResolutionCategory.choices)")
            }
        }
        do {
            let transition = try await alerts.perform(action, alertID: id, community: nil, actor: token.id, note: body.note,
                                                      category: category, now: clock())
            return JSONResponse.response(AlertPayload(transition.alert, transition: transition))
        } catch AlertDesk.Failure.notFound {
            throw APIError(.notFound, code: "not_found", message: "no open alert with this id")
        } catch AlertDesk.Failure.command(.noteRequired) {
            throw APIError(.badRequest, code: "note_required", message: "resolving an alert needs a note saying what was done")
        } catch AlertDesk.Failure.command(.categoryRequired) {
            throw APIError(.badRequest, code: "category_required", message: AlertCommandError.categoryRequired.description)
        }
    }
}

struct AlertActionRequest: Decodable {
    var note: String?
    /// Resolving: what it turned out to be (`genuine`/真实警情, `false_alarm`/误报, `device_fault`/设备故障, `test`/测试).
    var category: String?
}

struct AlertHistoryEntry: Encodable {
    var kind, actor, reason: String
    var at: Int64
    var state: String
    var escalationLevel: String

    enum CodingKeys: String, CodingKey {
        case kind, actor, reason, at, state, escalationLevel = "escalation_level"
    }
}

struct AlertDetail: Encodable {
    var alert: AlertPayload
    var transitions: [AlertHistoryEntry]
}
