import AlertRules
import DeviceModel
import Foundation

/// `alert-commands/{community}/{alertId}/ack|resolve` with `{"by": "console-01", "note": "…"}`.
struct AlertCommand: Sendable {
    var community: String
    var alertID: String
    var action: AlertDesk.Action
    var actor: String
    var note: String?
    var category: ResolutionCategory?

    static func parse(topic: String, payload: Data) throws(Rejection) -> AlertCommand {
        let levels = topic.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard levels.count == 4, levels[0] == "alert-commands", let action = AlertDesk.Action(rawValue: levels[3]) else {
            throw Rejection(.invalidCommand, "expected alert-commands/{community}/{alertId}/ack|resolve")
        }
        struct Body: Decodable {
            var by: String
            var note: String?
            var category: String?
        }
        let body: Body
        do {
            body = try JSONDecoder().decode(Body.self, from: payload)
        } catch {
            throw Rejection(.invalidCommand, "payload must be {\"by\": \"<operator>\", \"note\": \"…\", \"category\": \"genuine\"}")
        }
        guard ContactRules.isValidIdentifier(body.by) else {
            throw Rejection(.invalidCommand, "`by` must be the operator's id (letters, digits, '_', '-', '.')")
        }
        if let note = body.note, note.count > 500 { throw Rejection(.invalidCommand, "`note` is longer than 500 characters") }
        var category: ResolutionCategory?
        if let text = body.category {
            category = ResolutionCategory(text: text)
            if category == nil { throw Rejection(.invalidCommand, "unknown `category`; expected one of: \(ResolutionCategory.choices)") }
        }
        return AlertCommand(community: levels[1], alertID: levels[2], action: action, actor: body.by, note: body.note, category: category)
    }
}
