import DeviceModel

/// What the clock does: absence, follow-up deadlines, escalation and flapping holds.
extension AlertEngine {
    // MARK: - Clock

    /// Advances time: absence and follow-up deadlines, escalation of unacknowledged alerts, flapping holds.
    public mutating func tick(now: Int64) -> [AlertTransition] {
        var transitions: [AlertTransition] = []
        let scanAbsence = now >= lastAbsenceScan &+ absenceScanIntervalMillis || now < lastAbsenceScan
        if scanAbsence { lastAbsenceScan = now }
        for position in absencePositions where scanAbsence {
            guard let numbers = absenceByPosition[Int(position)] else { continue }
            let device = registry.devices.values[Int(position)]
            for number in numbers {
                let rule = ruleTable[Int(number)]
                guard case let .absence(kind, seconds, missedReports) = rule.condition else { continue }
                let key = AlertKey(rule: rule.id, scope: Self.scope(.device, device))
                // An open alert is left alone, unless a flapping hold is waiting to resolve it: silence again
                // cancels the hold (the raise below updates the alert).
                if let open = openAlert(key), open.pendingResolveAt == nil { continue }
                let limit = Int64(seconds ?? missedReports * device.reportIntervalSeconds) * 1000
                let last = state.keys[key]?.lastActivity ?? state.startedAt
                guard now - last >= limit, rule.window.map({ $0.contains(now, calendar: ruleBook.calendar) }) ?? true else { continue }
                let reading: [String: JSONValue] = [
                    kind == .anyMessage ? "silent_s" : "inactive_s": .number(Double((now - last) / 1000)),
                ]
                raise(rule, key: key, device: device, reading: reading, sourceTS: last, now: now, into: &transitions)
            }
        }
        // Keys waiting for a follow-up, collected first: the loop below changes `state.keys`.
        let waiting = pendingFollowUps.compactMap { key in state.keys[key].map { (key: key, value: $0) } }
        for (key, keyState) in waiting.sorted(by: { $0.key.description < $1.key.description }) {
            // The device's effective rule: overrides may change the follow-up time.
            guard let since = keyState.pendingSince,
                  let device = registry.device(String(key.scope.dropFirst("device:".count))),
                  let rule = rules(for: device.id).first(where: { $0.id == key.rule }),
                  case let .missingFollowUp(trigger, _, seconds) = rule.condition,
                  now - since >= Int64(seconds) * 1000
            else { continue }
            var cleared = keyState
            cleared.pendingSince = nil
            store(cleared, for: key)
            var reading = Self.reading(event: trigger.names.sorted().first ?? "", [:])
            reading["waited_s"] = .number(Double(seconds))
            raise(rule, key: key, device: device, reading: reading, sourceTS: since, now: now, into: &transitions)
        }
        for id in state.alerts.keys.sorted() {
            guard var alert = state.alerts[id] else { continue }
            if let due = alert.pendingResolveAt, now >= due {
                transitions.append(resolve(&alert, actor: "system", reason: "condition stayed clear after flapping", now: now))
                continue
            }
            // A relative's "收到" means they know, not that the community has it in hand: the ladder goes on.
            let acknowledgedByRelative = alert.acknowledgedBy?.hasPrefix("relative:") ?? false
            if alert.state == .acknowledged, !acknowledgedByRelative {
                remindOrEscalate(&alert, now: now, into: &transitions)
                continue
            }
            guard alert.state == .open || acknowledgedByRelative else { continue }
            let policy = ruleBook.rule(alert.rule)?.escalation ?? EscalationPolicy.default(for: alert.severity)
            let level = policy.level(openedAt: alert.openedAt, now: now)
            if level > alert.escalationLevel {
                alert.escalationLevel = level
                alert.updatedAt = now
                state.alerts[id] = alert
                transitions.append(AlertTransition(kind: .escalated, alert: alert, actor: "system",
                                                   reason: "unacknowledged, escalated to \(level.name)", at: now))
            }
        }
        return transitions
    }

    /// Acknowledged is not done: after the rule's `reminder_after` the acknowledging level is reminded; after as
    /// long again, still unresolved, the alert escalates one level and the clock starts again there (at the
    /// street, reminders repeat).
    private mutating func remindOrEscalate(_ alert: inout Alert, now: Int64, into transitions: inout [AlertTransition]) {
        guard let seconds = ruleBook.rule(alert.rule)?.reminderAfter, let from = alert.reminderFrom ?? alert.acknowledgedAt,
              now - from >= Int64(seconds) * 1000 else { return }
        alert.updatedAt = now
        alert.reminderFrom = now
        if alert.reminded == true, let next = EscalationLevel(rawValue: alert.escalationLevel.rawValue + 1) {
            alert.escalationLevel = next
            alert.reminded = false
            state.alerts[alert.id] = alert
            transitions.append(AlertTransition(kind: .escalated, alert: alert, actor: "system",
                                               reason: "acknowledged but unresolved after a reminder, escalated to \(next.name)", at: now))
            return
        }
        alert.reminded = true
        state.alerts[alert.id] = alert
        let minutes = Int((now - (alert.acknowledgedAt ?? now)) / 60_000)
        transitions.append(AlertTransition(kind: .reminded, alert: alert, actor: "system",
                                           reason: "acknowledged \(minutes) min ago and still unresolved", at: now))
    }
}
