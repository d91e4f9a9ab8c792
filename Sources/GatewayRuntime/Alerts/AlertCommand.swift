import AlertRules
import DeviceModel
import Foundation

/// `alert-commands/{community}/{alertId}/ack|resolve` with `{"token": "<operator API token>", "note": "…", "category": …}`.
/// The actor recorded is the token's id; a command without a valid operator token is refused (``CommandRefusal``).
struct AlertCommand: Sendable {
    var community: String
    var alertID: String
    var action: AlertDesk.Action
    var actor: String
    var note: String?
    var category: ResolutionCategory?

    static func parse(topic: String, payload: Data, tokens: [APIToken]) throws -> AlertCommand {
        let levels = topic.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard levels.count == 4, levels[0] == "alert-commands", let action = AlertDesk.Action(rawValue: levels[3]) else {
            throw Rejection(.invalidCommand, "expected alert-commands/{community}/{alertId}/ack|resolve")
        }
        struct Body: Decodable {
            /// An API token of role operator (or admin): who acts. A `by` in the payload is never trusted.
            var token: String?
            var note: String?
            var category: String?
        }
        let body: Body
        do {
            body = try JSONDecoder().decode(Body.self, from: payload)
        } catch {
            throw Rejection(.invalidCommand, "payload must be {\"token\": \"<operator token>\", \"note\": \"…\", \"category\": \"genuine\"}")
        }
        guard let presented = body.token, !presented.isEmpty, presented.count <= 512 else {
            throw CommandRefusal(reason: "no_token", detail: "a command carries the operator's API token (`token`)")
        }
        guard let token = APIToken.authenticate(presented, among: tokens) else {
            throw CommandRefusal(reason: "bad_token", detail: "the token is not one of the gateway's API tokens")
        }
        guard token.role == .operator || token.role == .admin else {
            throw CommandRefusal(reason: "wrong_role", detail: "token \(token.id) has role \(token.role.rawValue), not operator")
        }
        if let note = body.note, note.count > 500 { throw Rejection(.invalidCommand, "`note` is longer than 500 characters") }
        var category: ResolutionCategory?
        if let text = body.category {
            category = ResolutionCategory(text: text)
            if category == nil { throw Rejection(.invalidCommand, "unknown `category`; expected one of: \(ResolutionCategory.choices)") }
        }
        return AlertCommand(community: levels[1], alertID: levels[2], action: action, actor: token.id, note: body.note, category: category)
    }
}

/// A console command without a valid operator credential: dead-lettered, counted and audited.
struct CommandRefusal: Error, Sendable {
    var reason: String
    var detail: String
}
