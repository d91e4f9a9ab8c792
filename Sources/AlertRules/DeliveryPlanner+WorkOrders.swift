import DeviceModel

/// The grid work order of an alert: created on opening, told of each escalation, closed or cancelled on resolution.
extension DeliveryPlanner {
    // MARK: - Work orders

    func workOrderDelivery(_ alert: Alert, _ workOrder: WorkOrderPolicy, assignees: [DutyNotice], registry: DeviceRegistry) -> PlannedDelivery {
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
            "assignees": .array(assignees.map { .string($0.contact) }),
        ]
        var delivery = PlannedDelivery(idempotencyKey: "wo:\(alert.id):create", target: .workOrder, kind: "workorder.create",
                                       alertID: alert.id, recipient: nil, body: body,
                                       workOrder: (alert.community, workOrder.category, alert.openedAt + Int64(workOrder.deadlineSeconds) * 1000))
        delivery.notices = assignees
        return delivery
    }

    /// Tells the work-order system the alert moved up the ladder (`POST …/{alertId}/escalate`), once per level.
    func workOrderEscalation(_ transition: AlertTransition, assignees: [DutyNotice]) -> PlannedDelivery {
        let alert = transition.alert
        var body: [String: JSONValue] = [
            "external_id": .string(alert.id),
            "level": .string(alert.escalationLevel.name),
            "level_label": .string(alert.escalationLevel.label),
            "escalated_at": .string(isoTime(transition.at)),
            "reason": .string(transition.supervision != nil ? "督办：工单超时未办结" : alert.state == .acknowledged ? "已接警但超时未处置" : "超时未接警"),
            "assignees": .array(assignees.map { .string($0.contact) }),
        ]
        if alert.escalationLevel == .street, let street = roster.street(of: alert.community) {
            body["street"] = .string(street.id)
            body["street_name"] = .string(street.name)
        }
        var delivery = PlannedDelivery(idempotencyKey: "wo:\(alert.id):escalate:\(alert.escalationLevel.name)", target: .workOrder,
                                       kind: "workorder.escalate", alertID: alert.id, recipient: nil, body: body)
        delivery.path = "/\(alert.id)/escalate"
        delivery.notices = assignees
        return delivery
    }

    /// The alert was resolved here: the work order is closed (`…/close`), or cancelled (`…/cancel`) when it was a
    /// false alarm. One key for both, so only one of them is ever sent.
    func workOrderClosure(_ transition: AlertTransition) -> PlannedDelivery {
        let alert = transition.alert
        let cancel = alert.resolution == .falseAlarm
        var body: [String: JSONValue] = [
            "external_id": .string(alert.id),
            "action": .string(cancel ? "cancel" : "close"),
            "resolved_by": .string(transition.actor),
            "resolved_at": .string(isoTime(transition.at)),
            "note": .string(alert.note ?? (transition.actor == "system" ? "设备报警已自动恢复" : "")),
        ]
        if let resolution = alert.resolution {
            body["resolution"] = .string(resolution.rawValue)
            body["resolution_label"] = .string(resolution.label)
        } else {
            body["resolution"] = .string("auto_cleared")
            body["resolution_label"] = .string("自动恢复")
        }
        var delivery = PlannedDelivery(idempotencyKey: "wo:\(alert.id):close", target: .workOrder,
                                       kind: cancel ? "workorder.cancel" : "workorder.close", alertID: alert.id, recipient: nil, body: body)
        delivery.path = cancel ? "/\(alert.id)/cancel" : "/\(alert.id)/close"
        delivery.closesWorkOrderAs = cancel ? "cancelled" : "closed"
        return delivery
    }
}
