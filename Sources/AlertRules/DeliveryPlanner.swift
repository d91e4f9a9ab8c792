import DeviceModel

/// One outbound delivery decided from an alert transition, before it is queued.
public struct PlannedDelivery: Sendable, Hashable {
    public enum Target: String, Sendable, Hashable, Codable {
        case workOrder = "workorder"
        case message
    }

    /// Unique per delivery and stable across replays: sent as `Idempotency-Key`.
    public var idempotencyKey: String
    public var target: Target
    /// `workorder.create`, `message.alert`, `message.escalated`, `message.resolved`.
    public var kind: String
    public var alertID: String
    /// For rate limiting: the recipient's contact (messages only; never logged).
    public var recipient: String?
    public var body: [String: JSONValue]
    /// Work orders: the community, category and 处置时限 deadline, recorded in the work-order table.
    public var workOrder: (community: String, category: String, deadlineAt: Int64)?

    public static func == (lhs: PlannedDelivery, rhs: PlannedDelivery) -> Bool {
        lhs.idempotencyKey == rhs.idempotencyKey && lhs.body == rhs.body && lhs.recipient == rhs.recipient
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(idempotencyKey) }
}

/// Decides which deliveries an alert transition causes. Pure: the same transition always plans the same
/// deliveries with the same idempotency keys, so a replay can never duplicate one downstream.
public struct DeliveryPlanner: Sendable {
    public var policy: ForwardingPolicy
    public var calendar: RuleCalendar

    public init(policy: ForwardingPolicy, calendar: RuleCalendar) {
        self.policy = policy
        self.calendar = calendar
    }

    public func plan(_ transition: AlertTransition, registry: DeviceRegistry) -> [PlannedDelivery] {
        var deliveries: [PlannedDelivery] = []
        let alert = transition.alert
        if transition.kind == .opened, let workOrder = policy.workOrders[alert.rule] {
            deliveries.append(workOrderDelivery(alert, workOrder, registry: registry))
        }
        deliveries += relativeMessages(transition, registry: registry)
        return deliveries
    }

    // MARK: - Work orders

    private func workOrderDelivery(_ alert: Alert, _ workOrder: WorkOrderPolicy, registry: DeviceRegistry) -> PlannedDelivery {
        let community = registry.community(alert.community)
        let device = registry.device(alert.device)
        let place = placeText(alert, communityName: community?.name, includeRoom: true)
        var description = "\(place) \(alert.title)"
        if let resident = alert.resident.flatMap({ registry.resident($0) }) {
            description += "，涉及\(resident.livesAlone ? "独居" : "")老人\(PersonalDataMasking.name(resident.name))"
        }
        description += "（设备 \(alert.device)，\(localTime(alert.openedAt, withDate: true))）。请在\(durationText(workOrder.deadlineSeconds))内处置。"
        var location: [String: JSONValue] = [:]
        for (key, value) in [("building", alert.location.building), ("unit", alert.location.unit), ("floor", alert.location.floor),
                             ("room", alert.location.room), ("zone", alert.location.zone)] {
            if let value { location[key] = .string(value) }
        }
        location["address"] = .string([community?.address, alert.location.building.map { "\($0)幢" }, alert.location.unit.map { "\($0)单元" },
                                       alert.location.room.map { "\($0)室" }].compactMap { $0 }.joined())
        let body: [String: JSONValue] = [
            "external_id": .string(alert.id),
            "category_code": .string(workOrder.categoryCode),
            "category": .string(workOrder.category),
            "title": .string("\(community?.name ?? alert.community) \(alert.title)"),
            "description": .string(description),
            "community": .string(alert.community),
            "community_name": .string(community?.name ?? alert.community),
            "street": community?.street.map(JSONValue.string) ?? .null,
            "grid_code": .string(alert.grid),
            "location": .object(location),
            "urgency": .string(workOrder.urgency.rawValue),
            "severity": .string(alert.severity.rawValue),
            "reported_at": .string(isoTime(alert.openedAt)),
            "deadline": .string(isoTime(alert.openedAt + Int64(workOrder.deadlineSeconds) * 1000)),
            "device": .object([
                "id": .string(alert.device),
                "type": .string(device?.type.rawValue ?? ""),
                "vendor": .string(device?.vendor ?? ""),
                "model": .string(device?.model ?? ""),
            ]),
            "reading": .object(alert.reading.merging(["source_ts": .number(Double(alert.sourceTS))]) { current, _ in current }),
        ]
        return PlannedDelivery(idempotencyKey: "wo:\(alert.id):create", target: .workOrder, kind: "workorder.create",
                               alertID: alert.id, recipient: nil, body: body,
                               workOrder: (alert.community, workOrder.category, alert.openedAt + Int64(workOrder.deadlineSeconds) * 1000))
    }

    // MARK: - Relatives

    private func relativeMessages(_ transition: AlertTransition, registry: DeviceRegistry) -> [PlannedDelivery] {
        let alert = transition.alert
        guard let resident = alert.resident.flatMap({ registry.resident($0) }) else { return [] }
        let template: RelativeMessageTemplate
        switch transition.kind {
        case .opened: template = .alert
        case .escalated: template = .escalated
        case .resolved: template = .resolved
        case .updated, .acknowledged: return []
        }
        let community = registry.community(alert.community)
        var params: [String: String] = [
            "name": PersonalDataMasking.name(resident.name),
            "place": "\(community.map(shortName) ?? alert.community)\(resident.building)幢",
            "time": localTime(transition.kind == .resolved ? transition.at : alert.openedAt, withDate: true),
            "event": String(alert.title.prefix(12)),
        ]
        if transition.kind == .escalated { params["level"] = alert.escalationLevel == .street ? "街道" : "社区" }
        var deliveries: [PlannedDelivery] = []
        for (index, relative) in resident.relatives.enumerated() {
            guard relative.notify == .all || alert.severity == .critical else { continue }
            for channel in relative.channels {
                guard let recipient = channel == .sms ? relative.phone : relative.wechatOpenID else { continue }
                let step = transition.kind == .escalated ? "escalated-\(alert.escalationLevel.name)" : transition.kind.rawValue
                deliveries.append(PlannedDelivery(
                    idempotencyKey: "msg:\(alert.id):\(resident.id):\(index):\(channel.rawValue):\(step)",
                    target: .message, kind: "message.\(template == .alert ? "alert" : template == .escalated ? "escalated" : "resolved")",
                    alertID: alert.id, recipient: recipient,
                    body: [
                        "recipient": .string(recipient),
                        "channel": .string(channel.rawValue),
                        "template_id": .string(template.rawValue),
                        "params": .object(params.mapValues(JSONValue.string)),
                        "signature": .string(policy.smsSignature),
                    ],
                    workOrder: nil
                ))
            }
        }
        return deliveries
    }

    // MARK: - Text

    /// `幸福里社区` → `幸福里社区` (already short); long names are cut to 8 characters for one SMS segment.
    private func shortName(_ community: Community) -> String { String(community.name.prefix(8)) }

    private func placeText(_ alert: Alert, communityName: String?, includeRoom: Bool) -> String {
        var text = communityName ?? alert.community
        if let building = alert.location.building { text += "\(building)幢" }
        if let unit = alert.location.unit { text += "\(unit)单元" }
        if includeRoom, let room = alert.location.room { text += "\(room)室" }
        if let zone = alert.location.zone { text += "（\(zone)）" }
        return text
    }

    /// `11-23 14:05` in the calendar's local time.
    func localTime(_ millis: Int64, withDate: Bool) -> String {
        let (day, minute) = calendar.localMinutes(millis)
        let time = "\(two(Int(minute / 60))):\(two(Int(minute % 60)))"
        guard withDate else { return time }
        let (_, month, date) = civil(day)
        return "\(two(month))-\(two(date)) \(time)"
    }

    /// ISO 8601 with the calendar's offset: `2026-11-23T14:05:00+08:00`.
    func isoTime(_ millis: Int64) -> String {
        let seconds = millis / 1000 + Int64(calendar.utcOffsetSeconds)
        let day = Int((seconds - ((seconds % 86_400) + 86_400) % 86_400) / 86_400)
        let second = Int(((seconds % 86_400) + 86_400) % 86_400)
        let (year, month, date) = civil(day)
        let offset = calendar.utcOffsetSeconds
        let sign = offset >= 0 ? "+" : "-"
        return "\(year)-\(two(month))-\(two(date))T\(two(second / 3600)):\(two(second / 60 % 60)):\(two(second % 60))"
            + "\(sign)\(two(abs(offset) / 3600)):\(two(abs(offset) / 60 % 60))"
    }

    private func durationText(_ seconds: Int) -> String {
        if seconds % 86_400 == 0 { return "\(seconds / 86_400)天" }
        if seconds % 3600 == 0 { return "\(seconds / 3600)小时" }
        return "\(max(1, seconds / 60))分钟"
    }

    private func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    private func civil(_ day: Int) -> (Int, Int, Int) {
        let date = CivilDate.date(dayNumber: day)
        return (date.year, date.month, date.day)
    }
}
