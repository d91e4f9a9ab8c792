import DeviceModel

/// Checks the `duty` section of a configuration document and builds the ``DutyRoster``:
///
/// ```yaml
/// duty:
///   grids:        [{grid: "330106005001", workers: [contact…]}]
///   communities:  [{community: xingfuli, contacts: [contact…]}]
///   streets:      [{id: wenxin, name: 文新街道, communities: [xingfuli], contacts: [contact…]}]
/// ```
/// A contact: `id` (identifier, what logs and the audit trail name), `name`, `phone`, `wechat_openid`,
/// `channels` (`sms`|`wechat`|`voice`|`app`, default `[sms]`), `shift` (`day` 08:00–20:00, `night` 20:00–08:00,
/// `always` (default), or `{from, to, days}` like a rule's `active`, `days: workdays|rest_days` following the
/// holiday calendar). Pure: problems become issues with their locations.
public struct DutyRosterValidator: Sendable {
    public init() {}

    public static let section = "duty"

    public func validate(_ document: DraftRecord, registry: DeviceRegistry?) -> (DutyRoster, [ValidationIssue]) {
        var issues: [ValidationIssue] = []
        var roster = DutyRoster()
        guard let value = document.values[Self.section] else { return (roster, issues) }
        guard let duty = DraftReader(value, path: Self.section, location: document.origins.location(of: Self.section),
                                     allowedKeys: ["grids", "communities", "streets"], issues: &issues) else { return (roster, issues) }
        var seenIDs = Set<String>()
        for record in duty.records("grids", allowedKeys: ["grid", "workers"], issues: &issues) {
            guard let grid = record.text("grid", issues: &issues) else {
                issues.append(record.issue("grid", "`grid` (the grid code) is required"))
                continue
            }
            if let registry, !registry.communities.values.contains(where: { $0.grids.contains { $0.code == grid } }) {
                issues.append(record.issue("grid", "unknown grid \"\(grid)\""))
            }
            if roster.grids[grid] != nil { issues.append(record.issue("grid", "grid \"\(grid)\" is listed twice")) }
            roster.grids[grid] = contacts(record, "workers", seen: &seenIDs, issues: &issues)
        }
        for record in duty.records("communities", allowedKeys: ["community", "contacts"], issues: &issues) {
            guard let community = record.text("community", issues: &issues) else {
                issues.append(record.issue("community", "`community` is required"))
                continue
            }
            if let registry, registry.community(community) == nil {
                issues.append(record.issue("community", "unknown community \"\(community)\""))
            }
            if roster.communities[community] != nil { issues.append(record.issue("community", "community \"\(community)\" is listed twice")) }
            roster.communities[community] = contacts(record, "contacts", seen: &seenIDs, issues: &issues)
        }
        for record in duty.records("streets", allowedKeys: ["id", "name", "communities", "contacts"], issues: &issues) {
            let id = record.text("id", issues: &issues), name = record.text("name", issues: &issues)
            if id == nil { issues.append(record.issue("id", "`id` is required")) }
            if name == nil { issues.append(record.issue("name", "`name` (e.g. 文新街道) is required")) }
            let communities = record.textList("communities", issues: &issues) ?? []
            if communities.isEmpty { issues.append(record.issue("communities", "list the communities this street's duty desk covers")) }
            for community in communities {
                if let registry, registry.community(community) == nil {
                    issues.append(record.issue("communities", "unknown community \"\(community)\""))
                }
                if roster.streets.contains(where: { $0.communities.contains(community) }) {
                    issues.append(record.issue("communities", "community \"\(community)\" already belongs to another street"))
                }
            }
            let people = contacts(record, "contacts", seen: &seenIDs, issues: &issues)
            if let id, let name {
                roster.streets.append(StreetDuty(id: id, name: name, communities: Set(communities), contacts: people))
            }
        }
        return (roster, issues)
    }

    private func contacts(_ parent: DraftReader, _ key: String, seen: inout Set<String>, issues: inout [ValidationIssue]) -> [DutyContact] {
        let keys: Set<String> = ["id", "name", "phone", "wechat_openid", "channels", "shift"]
        let records = parent.records(key, allowedKeys: keys, issues: &issues)
        if records.isEmpty { issues.append(parent.issue(key, "at least one person is needed here")) }
        return records.compactMap { contact($0, seen: &seen, issues: &issues) }
    }

    private func contact(_ record: DraftReader, seen: inout Set<String>, issues: inout [ValidationIssue]) -> DutyContact? {
        let before = issues.count
        let id = record.text("id", issues: &issues)
        if let id {
            if !ContactRules.isValidIdentifier(id) { issues.append(record.issue("id", "\"\(id)\" must be an identifier (letters, digits, '_', '-', '.')")) }
            if !seen.insert(id).inserted { issues.append(record.issue("id", "duty contact id \"\(id)\" is used twice")) }
        } else {
            issues.append(record.issue("id", "`id` is required"))
        }
        let name = record.text("name", issues: &issues)
        if name == nil { issues.append(record.issue("name", "`name` is required")) }
        var phone: String?
        if let text = record.text("phone", issues: &issues) {
            phone = ContactRules.normalizedMobile(text)
            if phone == nil { issues.append(record.issue("phone", "not a mainland mobile number (11 digits starting 13–19)")) }
        }
        let openID = record.text("wechat_openid", issues: &issues)
        var channels: [DutyChannel] = []
        for text in record.textList("channels", issues: &issues) ?? ["sms"] {
            guard let channel = DutyChannel(rawValue: text) else {
                let names = DutyChannel.allCases.map(\.rawValue).joined(separator: ", ")
                issues.append(record.issue("channels", "unknown channel \"\(text)\" (expected one of: \(names))"))
                continue
            }
            if [.sms, .voice].contains(channel), phone == nil, record.has("phone") == false {
                issues.append(record.issue("channels", "channel \(text) needs a `phone`"))
            }
            if channel == .wechat, openID == nil { issues.append(record.issue("channels", "channel wechat needs a `wechat_openid`")) }
            if !channels.contains(channel) { channels.append(channel) }
        }
        let shift = readShift(record, issues: &issues)
        guard issues.count == before, let id, let name else { return nil }
        return DutyContact(id: id, name: name, phone: phone, wechatOpenID: openID, channels: channels, shift: shift)
    }

    private func readShift(_ record: DraftReader, issues: inout [ValidationIssue]) -> ActiveWindow? {
        guard let value = record.value("shift") else { return nil }
        if case let .text(text) = value {
            switch text {
            case "day": return DutyContact.dayShift
            case "night": return DutyContact.nightShift
            case "always": return nil
            default:
                issues.append(record.issue("shift", "expected day, night, always or {from, to, days}, found \"\(text)\""))
                return nil
            }
        }
        guard let window = record.nested("shift", allowedKeys: ["from", "to", "days"], issues: &issues) else { return nil }
        return RuleBookValidator.readWindow(window, issues: &issues)
    }
}
