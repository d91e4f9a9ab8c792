import DeviceModel

/// The duty ladder's messages: each rung reached tells the people on duty there, on each of their channels.
extension DeliveryPlanner {
    struct DutyPlan {
        /// Messages to send (SMS, WeChat, voice call), each with its notice.
        var messages: [PlannedDelivery] = []
        /// People reached through the work-order system's app: named in the work order or its update.
        var appNotices: [DutyNotice] = []
    }

    func dutyMessages(_ transition: AlertTransition, level: EscalationLevel, step: String, registry: DeviceRegistry) -> DutyPlan {
        let alert = transition.alert
        // Info alerts are for the console only: nobody is phoned for them.
        guard alert.severity != .info else { return DutyPlan() }
        let (contacts, _) = roster.onDuty(level, community: alert.community, grid: alert.grid, at: transition.at, calendar: calendar)
        guard !contacts.isEmpty else { return DutyPlan() }
        let template: DutyMessageTemplate
        switch transition.kind {
        case .opened: template = .alert
        case .reminded: template = .reminder
        default: template = transition.supervision != nil ? .supervised : .escalated
        }
        let community = registry.community(alert.community)
        var params: [String: String] = [
            "level": level.label,
            "place": placeText(alert, communityName: community.map(shortName), includeRoom: true),
            "time": localTime(alert.openedAt, withDate: true),
            "event": String(alert.title.prefix(12)),
            "who": alert.resident.flatMap { registry.resident($0) }
                .map { "（涉及\($0.livesAlone ? "独居" : "")老人\(PersonalDataMasking.name($0.name))）" } ?? "",
            "minutes": "\(max(0, (transition.at - (template == .reminder ? alert.acknowledgedAt ?? alert.openedAt : alert.openedAt)) / 60_000))",
        ]
        if let supervision = transition.supervision { params["count"] = "\(supervision)" }
        var plan = DutyPlan()
        for contact in contacts {
            for channel in contact.channels {
                let notice = DutyNotice(contact: contact.id, level: level, channel: channel, at: transition.at, step: step)
                guard channel != .app else {
                    plan.appNotices.append(notice)
                    continue
                }
                guard let address = contact.address(channel) else { continue }
                var delivery = PlannedDelivery(
                    idempotencyKey: "duty:\(alert.id):\(step):\(contact.id):\(channel.rawValue)", target: .message,
                    kind: "message.duty", alertID: alert.id, recipient: address,
                    body: [
                        "recipient": .string(address),
                        "channel": .string(channel.rawValue),
                        "template_id": .string(template.rawValue),
                        "params": .object(params.mapValues(JSONValue.string)),
                        "signature": .string(policy.smsSignature),
                        "alert_id": .string(alert.id),
                        "duty_level": .string(level.name),
                        "duty_contact": .string(contact.id),
                    ])
                delivery.bypassesRateLimit = true
                delivery.notices = [notice]
                plan.messages.append(delivery)
            }
        }
        return plan
    }
}
