import AlertRules
import Foundation
import GRDB
import Hummingbird

/// `/api/v1/alerts`: list (filters `community`, `state`, `severity`, `since`), get with its transitions,
/// acknowledge, resolve with a note. Role operator.
extension GatewayAPI {
    func addAlertRoutes(to router: Router<BasicRequestContext>) {
        router.get("/api/v1/alerts") { request, _ in
            _ = try auth.authenticate(request, allowing: [.operator])
            let (limit, offset) = try page(request)
            let query = request.uri.queryParameters
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if let community = query.get("community") {
                conditions.append("community = ?")
                _ = arguments.append(contentsOf: [community])
            }
            if let state = query.get("state") {
                guard AlertState(rawValue: state) != nil else {
                    throw APIError(.badRequest, code: "invalid_state", message: "state must be open, acknowledged or resolved")
                }
                conditions.append("state = ?")
                _ = arguments.append(contentsOf: [state])
            }
            if let severity = query.get("severity") {
                guard Severity(rawValue: severity) != nil else {
                    throw APIError(.badRequest, code: "invalid_severity", message: "severity must be info, warning, major or critical")
                }
                conditions.append("severity = ?")
                _ = arguments.append(contentsOf: [severity])
            }
            if let since = try int64Parameter(request, "since") {
                conditions.append("updated_at >= ?")
                _ = arguments.append(contentsOf: [since])
            }
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            let (total, bodies) = try database.read { db in
                (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM alerts \(filter)", arguments: arguments) ?? 0,
                 try String.fetchAll(db, sql: "SELECT body FROM alerts \(filter) ORDER BY opened_at DESC, id LIMIT \(limit) OFFSET \(offset)",
                                     arguments: arguments))
            }
            let decoder = JSONDecoder()
            let items = try bodies.map { AlertPayload(try decoder.decode(Alert.self, from: Data($0.utf8))) }
            return JSONResponse.response(Page(items: items, total: total, limit: limit, offset: offset))
        }
        router.get("/api/v1/alerts/{id}") { request, context in
            _ = try auth.authenticate(request, allowing: [.operator])
            let id = try identifier(context, "id")
            let found = try database.read { db -> (String, [Row])? in
                guard let body = try String.fetchOne(db, sql: "SELECT body FROM alerts WHERE id = ?", arguments: [id]) else { return nil }
                let rows = try Row.fetchAll(db, sql: """
                    SELECT kind, actor, reason, at, state, escalation_level FROM alert_transitions WHERE alert_id = ? ORDER BY id
                    """, arguments: [id])
                return (body, rows)
            }
            guard let (body, rows) = found else { throw APIError(.notFound, code: "not_found", message: "no such alert") }
            let alert = try JSONDecoder().decode(Alert.self, from: Data(body.utf8))
            let history = rows.map { row in
                AlertHistoryEntry(kind: row["kind"], actor: row["actor"], reason: row["reason"], at: row["at"], state: row["state"],
                                  escalationLevel: EscalationLevel(rawValue: row["escalation_level"])?.name ?? "grid")
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

    private func act(_ action: AlertDesk.Action, _ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let token = try auth.authenticate(request, allowing: [.operator])
        let id = try identifier(context, "id")
        let body: AlertActionRequest = request.headers[.contentLength] == "0" ? AlertActionRequest() : try await decodeBody(request)
        if let note = body.note, note.count > 500 {
            throw APIError(.badRequest, code: "invalid_note", message: "note is longer than 500 characters")
        }
        do {
            let transition = try await alerts.perform(action, alertID: id, community: nil, actor: token.id, note: body.note, now: clock())
            return JSONResponse.response(AlertPayload(transition.alert, transition: transition))
        } catch AlertDesk.Failure.notFound {
            throw APIError(.notFound, code: "not_found", message: "no open alert with this id")
        } catch AlertDesk.Failure.command(.noteRequired) {
            throw APIError(.badRequest, code: "note_required", message: "resolving an alert needs a note saying what was done")
        }
    }
}

struct AlertActionRequest: Decodable {
    var note: String?
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
