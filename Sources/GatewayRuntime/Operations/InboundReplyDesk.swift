import AlertRules
import DeviceModel
import Foundation

/// Replies from relatives and duty staff, posted by the message gateway: `1` or `收到` acknowledges the alert of
/// the latest message sent to that number (or WeChat OpenID) in the last 24 hours, as that person — a relative
/// masked (`relative:138****8000`), duty staff by roster id (`duty:gw-li`). A relative's acknowledgement does not stop
/// the escalation ladder (they know; the community may not have it in hand yet); duty staff's does.
public struct InboundReplyDesk: Sendable {
    let database: StoragePool
    let alerts: AlertDesk

    public struct Outcome: Codable, Sendable, Equatable {
        /// `acknowledged`, `ignored` (not an acknowledgement), `no_open_alert`.
        public var status: String
        public var alertID: String?
        public var actor: String?

        enum CodingKeys: String, CodingKey {
            case status, alertID = "alert_id", actor
        }
    }

    /// Words that acknowledge (after trimming spaces and punctuation).
    static let acknowledgements: Set<String> = ["1", "收到"]

    public func handle(from sender: String, text: String, now: Int64) async throws -> Outcome {
        let word = text.trimmingCharacters(in: .whitespacesAndNewlines.union(.punctuationCharacters))
        guard Self.acknowledgements.contains(word) else { return Outcome(status: "ignored") }
        let phone = ContactRules.normalizedMobile(sender)
        let recipient = phone ?? sender
        let since = now - 86_400_000
        guard let latest = try await StorageAccess.read(database, { db in
            try DeliveryStore().latestMessage(to: recipient, since: since, in: db)
        }) else { return Outcome(status: "no_open_alert") }
        let actor = latest.dutyContact.map { "duty:\($0)" }
            ?? "relative:\(phone.map(PersonalDataMasking.phone) ?? String(recipient.prefix(4)) + "****")"
        do {
            let transition = try await alerts.perform(.acknowledge, alertID: latest.alertID, community: nil, actor: actor,
                                                      note: "短信/微信回复确认", now: now)
            return Outcome(status: transition.reason == "already acknowledged" ? "already_acknowledged" : "acknowledged",
                           alertID: latest.alertID, actor: actor)
        } catch AlertDesk.Failure.notFound {
            return Outcome(status: "no_open_alert", alertID: latest.alertID)
        }
    }
}
