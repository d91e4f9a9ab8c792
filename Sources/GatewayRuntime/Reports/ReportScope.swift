import AlertRules
import DeviceModel

/// Whom a report covers: every community, one community, or the communities of one street (街道), with the
/// devices registered there (decommissioned ones left out) and the rules whose alerts mean "offline" or
/// "battery low". Built from the registry alone; the figures come from the database.
public struct ReportScope: Sendable {
    public enum Kind: String, Sendable, Codable {
        case all, community, street
    }

    /// What the report says it covers.
    public struct Summary: Sendable, Hashable, Codable {
        public var kind: Kind
        public var id: String?
        public var name: String
        public var communities: [String]
    }

    /// A device of the scope as the queries need it.
    public struct Member: Sendable, Hashable {
        public var id: String
        public var family: DeviceFamily
        public var community: String
        public var type: DeviceType
    }

    public var summary: Summary
    public var members: [Member]
    /// Community id → name.
    public var communityNames: [String: String]
    /// Residents watched by an elderly-care device of the scope.
    public var residentsMonitored: Int
    /// Absence rules of `of: any` (the device sent nothing): an open alert of one is device time offline.
    public var offlineRules: [String]
    /// Threshold and sustained rules on the `battery` metric: a day with one open is a battery-low day.
    public var batteryRules: [String]
    /// Rule id → its Chinese title.
    public var ruleTitles: [String: String]

    /// The scope of `community` or `street` (at most one) in `registry`; the street's communities are those
    /// naming it as their street, and those the duty roster lists under it.
    public init(registry: DeviceRegistry, ruleBook: RuleBook, roster: DutyRoster = DutyRoster(),
                community: String? = nil, street: String? = nil) throws(ReportError) {
        let communities: [Community]
        switch (community, street) {
        case (.some, .some):
            throw .conflictingScope
        case let (.some(id), nil):
            guard let found = registry.community(id) else { throw .unknownCommunity(id) }
            communities = [found]
            summary = Summary(kind: .community, id: id, name: found.name, communities: [id])
        case let (nil, .some(id)):
            let duty = roster.streets.first { $0.id == id }
            let members = registry.communities.values.filter { $0.street == id || duty?.communities.contains($0.id) == true }
            guard duty != nil || !members.isEmpty else { throw .unknownStreet(id) }
            communities = members.sorted { $0.id < $1.id }
            summary = Summary(kind: .street, id: id, name: duty?.name ?? id, communities: communities.map(\.id))
        case (nil, nil):
            communities = registry.communities.values.sorted { $0.id < $1.id }
            summary = Summary(kind: .all, id: nil, name: "全部社区", communities: communities.map(\.id))
        }
        let ids = Set(communities.map(\.id))
        communityNames = Dictionary(uniqueKeysWithValues: communities.map { ($0.id, $0.name) })
        let devices = registry.devices.values.filter { ids.contains($0.community) && $0.state != .decommissioned }
        members = devices.map { Member(id: $0.id, family: $0.type.family, community: $0.community, type: $0.type) }
            .sorted { $0.id < $1.id }
        residentsMonitored = Set(devices.compactMap { $0.type.watchesResident ? $0.resident : nil }).count
        ruleTitles = Dictionary(ruleBook.rules.map { ($0.id, $0.title) }, uniquingKeysWith: { first, _ in first })
        offlineRules = ruleBook.rules.compactMap { rule in
            if case .absence(.anyMessage, _, _) = rule.condition { rule.id } else { nil }
        }.sorted()
        batteryRules = ruleBook.rules.compactMap { rule in
            switch rule.condition {
            case let .threshold(bound) where bound.metric == "battery": rule.id
            case let .sustained(bound, _) where bound.metric == "battery": rule.id
            default: nil
            }
        }.sorted()
    }
}
