import AlertRules
import DeviceModel
import Foundation
import Hummingbird

/// The duty ladder over HTTP: who is on duty (phones masked), and the message gateway's replies.
extension GatewayAPI {
    func addDutyRoutes(to router: Router<GatewayRequestContext>) {
        router.get("/api/v1/duty") { request, _ in
            _ = try auth.authenticate(request, allowing: [.operator])
            let at = try request.uri.queryParameters["at"].map { text -> Int64 in
                guard let value = Int64(String(text)) else {
                    throw APIError(.badRequest, code: "invalid_parameter", message: "`at` is a time in epoch milliseconds")
                }
                return value
            } ?? clock()
            return JSONResponse.response(DutyRosterView(host.configuration.dutyRoster, at: at, calendar: host.configuration.ruleBook.calendar))
        }
        router.post("/api/v1/messages/inbound") { request, _ in
            _ = try auth.authenticate(request, allowing: [.messaging])
            let body: InboundMessageRequest = try await decodeBody(request)
            guard !body.from.isEmpty, body.from.count <= 128, body.text.count <= 500 else {
                throw APIError(.badRequest, code: "invalid_body", message: "`from` (1–128 characters) and `text` (≤ 500) are required")
            }
            let outcome = try await replies.handle(from: body.from, text: body.text, now: clock())
            return JSONResponse.response(outcome)
        }
    }
}

struct InboundMessageRequest: Decodable {
    /// The sender: a mobile number or a WeChat OpenID.
    var from: String
    var text: String
    var channel: String?
}

/// The roster as the API shows it: ids, names, channels, shifts and who is on duty at `at`; phones masked.
struct DutyRosterView: Encodable {
    struct Person: Encodable {
        var id, name: String
        var phone: String?
        var channels: [String]
        var shift: String
        var onDuty: Bool

        enum CodingKeys: String, CodingKey {
            case id, name, phone, channels, shift, onDuty = "on_duty"
        }
    }

    struct Rung: Encodable {
        var scope: String
        var name: String?
        var communities: [String]?
        var people: [Person]
    }

    var at: Int64
    var grids: [Rung]
    var communities: [Rung]
    var streets: [Rung]

    init(_ roster: DutyRoster, at: Int64, calendar: RuleCalendar) {
        func people(_ contacts: [DutyContact]) -> [Person] {
            contacts.map { contact in
                Person(id: contact.id, name: PersonalDataMasking.name(contact.name), phone: contact.phone.map(PersonalDataMasking.phone),
                       channels: contact.channels.map(\.rawValue), shift: Self.shiftText(contact.shift),
                       onDuty: contact.isOnDuty(at: at, calendar: calendar))
            }
        }
        self.at = at
        grids = roster.grids.keys.sorted().map { Rung(scope: $0, people: people(roster.grids[$0]!)) }
        communities = roster.communities.keys.sorted().map { Rung(scope: $0, people: people(roster.communities[$0]!)) }
        streets = roster.streets.map { Rung(scope: $0.id, name: $0.name, communities: $0.communities.sorted(), people: people($0.contacts)) }
    }

    static func shiftText(_ window: ActiveWindow?) -> String {
        guard let window else { return "always" }
        if window == DutyContact.dayShift { return "day" }
        if window == DutyContact.nightShift { return "night" }
        func hhmm(_ minute: Int) -> String { String(format: "%02d:%02d", minute / 60, minute % 60) }
        return "\(hhmm(window.fromMinute))–\(hhmm(window.toMinute))"
    }
}
