import DeviceModel

/// Relatives' messages: by their preference, critical alerts never held back, the rest quiet at night.
extension DeliveryPlanner {
    // MARK: - Relatives

    func relativeMessages(_ transition: AlertTransition, registry: DeviceRegistry) -> [PlannedDelivery] {
        let alert = transition.alert
        guard let resident = alert.resident.flatMap({ registry.resident($0) }) else { return [] }
        let template: RelativeMessageTemplate
        switch transition.kind {
        case .opened: template = .alert
        case .escalated: template = .escalated
        case .resolved: template = .resolved
        case .updated, .acknowledged, .reminded: return []
        }
        let community = registry.community(alert.community)
        var params: [String: String] = [
            "name": PersonalDataMasking.name(resident.name),
            "place": "\(community.map(shortName) ?? alert.community)\(resident.building)幢",
            "time": localTime(transition.kind == .resolved ? transition.at : alert.openedAt, withDate: true),
            "event": String(alert.title.prefix(12)),
        ]
        if transition.kind == .escalated { params["level"] = alert.escalationLevel.label }
        // Critical alerts reach relatives whatever the hour and however many messages came before; the rest
        // wait for the end of quiet hours and go out as one digest.
        let critical = alert.severity == .critical
        let holdUntil = critical ? nil : policy.quietHours.flatMap { quietEnd($0, at: transition.at) }
        var deliveries: [PlannedDelivery] = []
        for (index, relative) in resident.relatives.enumerated() {
            guard relative.notify == .all || alert.severity == .critical else { continue }
            for channel in relative.channels {
                guard let recipient = channel == .sms ? relative.phone : relative.wechatOpenID else { continue }
                let step = transition.kind == .escalated ? "escalated-\(alert.escalationLevel.name)" : transition.kind.rawValue
                var delivery = PlannedDelivery(
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
                )
                delivery.bypassesRateLimit = critical
                delivery.holdUntil = holdUntil
                deliveries.append(delivery)
            }
        }
        return deliveries
    }

    /// When the quiet hours that contain `millis` end (`nil` when `millis` is outside them).
    func quietEnd(_ quiet: ActiveWindow, at millis: Int64) -> Int64? {
        guard quiet.fromMinute != quiet.toMinute, quiet.contains(millis, calendar: calendar) else { return nil }
        let minute = Int(calendar.localMinutes(millis).minuteOfDay)
        let minutesLeft = (quiet.toMinute - minute + 1440) % 1440
        let startOfMinute = millis - ((millis % 60_000) + 60_000) % 60_000
        return startOfMinute + Int64(minutesLeft) * 60_000
    }
}
