import AlertRules
import DeviceModel

/// An alert as the console shows it: the payload published on `alerts/…` plus the names the operator needs
/// to find it — the community's, and the resident's, masked (`张*华`) for every role but admin.
struct ConsoleAlert: Encodable, Sendable {
    var alert: AlertPayload
    var communityName: String?
    var residentName: String?

    enum CodingKeys: String, CodingKey {
        case alert, communityName = "community_name", residentName = "resident_name"
    }
}

/// Turns alerts and deliveries into what one signed-in role may see.
struct ConsolePresenter: Sendable {
    /// The registry in force (a reload may rename a community or a resident while a stream is open).
    let registry: @Sendable () -> DeviceRegistry
    let role: APIToken.Role

    /// Whether this role sees residents' names in full (admin); everyone else sees them masked.
    var showsFullNames: Bool { role == .admin }

    func present(_ alert: Alert) -> ConsoleAlert {
        let registry = registry()
        let name = alert.resident.flatMap { registry.resident($0)?.name }
        return ConsoleAlert(alert: AlertPayload(alert), communityName: registry.communities[alert.community]?.name,
                            residentName: name.map { showsFullNames ? $0 : PersonalDataMasking.name($0) })
    }

    /// Who a delivery went to, for the timeline: a relative by relation and masked name, a phone or WeChat id
    /// masked, a duty contact by roster id.
    func recipient(_ address: String?, of alert: Alert) -> String? {
        guard let address else { return nil }
        let registry = registry()
        if let resident = alert.resident.flatMap({ registry.resident($0) }),
           let relative = resident.relatives.first(where: { $0.phone == address || $0.wechatOpenID == address }) {
            return "\(relative.relation) \(PersonalDataMasking.name(relative.name)) \(PersonalDataMasking.phone(address))"
        }
        return PersonalDataMasking.phone(address)
    }
}
