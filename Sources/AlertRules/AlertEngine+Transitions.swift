import DeviceModel

/// Operator commands and the alert state transitions every path goes through (raise, clear, resolve).
extension AlertEngine {
    // MARK: - Operator commands

    public mutating func acknowledge(_ id: String, by actor: String, note: String?, now: Int64) throws(AlertCommandError) -> AlertTransition {
        guard var alert = state.alerts[id] else { throw .notFound(id) }
        if alert.state == .acknowledged {
            return AlertTransition(kind: .acknowledged, alert: alert, actor: actor, reason: "already acknowledged", at: now)
        }
        alert.state = .acknowledged
        alert.acknowledgedBy = actor
        alert.acknowledgedAt = now
        alert.updatedAt = now
        alert.reminderFrom = now
        alert.reminded = false
        if let note, !note.isEmpty { alert.note = note }
        state.alerts[id] = alert
        return AlertTransition(kind: .acknowledged, alert: alert, actor: actor, reason: note ?? "acknowledged", at: now)
    }

    /// A person resolves an alert: a note and what it turned out to be are required (the monthly report counts
    /// them). `fromWorkOrderSystem`: the grid system closed the work order, so nothing is sent back to it.
    public mutating func resolve(_ id: String, by actor: String, note: String, category: ResolutionCategory, now: Int64,
                                 fromWorkOrderSystem: Bool = false) throws(AlertCommandError) -> AlertTransition {
        guard !note.trimmingSpaces.isEmpty else { throw .noteRequired }
        guard var alert = state.alerts[id] else { throw .notFound(id) }
        alert.note = note
        alert.resolution = category
        var transition = resolve(&alert, actor: actor, reason: note, now: now)
        if fromWorkOrderSystem { transition.fromWorkOrderSystem = true }
        return transition
    }

    /// A 督办 (supervision number `count` of its overdue work order): the alert moves one rung up the ladder (at
    /// the street it stays there and the street is told again). `nil` when the alert is no longer open.
    public mutating func supervise(_ id: String, count: Int, now: Int64) -> AlertTransition? {
        guard var alert = state.alerts[id] else { return nil }
        alert.escalationLevel = EscalationLevel(rawValue: alert.escalationLevel.rawValue + 1) ?? .street
        alert.updatedAt = now
        if alert.state == .acknowledged {
            alert.reminderFrom = now
            alert.reminded = false
        }
        state.alerts[id] = alert
        var transition = AlertTransition(kind: .escalated, alert: alert, actor: "system",
                                         reason: "work order overdue: supervision \(count), escalated to \(alert.escalationLevel.name)", at: now)
        transition.supervision = count
        return transition
    }

    /// Records who on the duty ladder was told of an open alert (the shell decides from the roster).
    public mutating func recordNotified(_ notices: [DutyNotice], alertID: String) {
        guard !notices.isEmpty, var alert = state.alerts[alertID] else { return }
        alert.notified = Alert.latestNotices((alert.notified ?? []) + notices)
        state.alerts[alertID] = alert
    }

    /// The open alert of `key`, if any.
    public func openAlert(_ key: AlertKey) -> Alert? { state.openByKey[key].flatMap { state.alerts[$0] } }

    // MARK: - Transitions

    /// Opens an alert for `key`, or updates the open one. Returns `false` when a silence kept it closed.
    @discardableResult
    mutating func raise(
        _ rule: AlertRule, key: AlertKey, device: Device, reading: [String: JSONValue], sourceTS: Int64, now: Int64,
        into transitions: inout [AlertTransition]
    ) -> Bool {
        if let id = state.openByKey[key], var alert = state.alerts[id] {
            alert.count += 1
            alert.lastSeenAt = now
            alert.updatedAt = now
            alert.lastSourceTS = sourceTS
            alert.reading = reading
            alert.pendingResolveAt = nil
            alert.device = device.id
            state.alerts[id] = alert
            transitions.append(AlertTransition(kind: .updated, alert: alert, actor: "system",
                                               reason: "rule fired again (\(alert.count) times)", at: now))
            return true
        }
        if silences.contains(where: { $0.covers(rule: rule.id, device: device, at: now) }) {
            state.suppressedHits += 1
            return false
        }
        var keyState = state.keys[key] ?? KeyState()
        let guardWindow = Int64(ruleBook.flapGuard.windowSeconds) * 1000
        keyState.openings = keyState.openings.filter { now - $0 < guardWindow } + [now]
        store(keyState, for: key)
        let scoped = !key.scope.hasPrefix("device:")
        let alert = Alert(
            id: Self.alertID(key: key, now: now, sequence: state.openedCount), key: key, rule: rule.id, community: device.community, device: device.id,
            grid: device.grid,
            location: scoped ? DeviceLocation(building: device.location.building, zone: key.scope.hasPrefix("grid:") ? nil : device.location.zone)
                : device.location,
            resident: device.resident, severity: rule.severity, state: .open, title: rule.title, sourceTS: sourceTS,
            lastSourceTS: sourceTS, reading: reading, openedAt: now, updatedAt: now, lastSeenAt: now, count: 1,
            escalationLevel: .grid, acknowledgedBy: nil, acknowledgedAt: nil, resolvedBy: nil, resolvedAt: nil, note: nil,
            flapping: false, pendingResolveAt: nil
        )
        state.openedCount += 1
        state.alerts[alert.id] = alert
        state.openByKey[key] = alert.id
        transitions.append(AlertTransition(kind: .opened, alert: alert, actor: "system", reason: "rule \(rule.id) fired", at: now))
        return true
    }

    mutating func clear(_ rule: AlertRule, key: AlertKey, now: Int64, reason: String, into transitions: inout [AlertTransition]) {
        guard rule.autoResolve, let id = state.openByKey[key], var alert = state.alerts[id] else { return }
        let openings = state.keys[key]?.openings.filter { now - $0 < Int64(ruleBook.flapGuard.windowSeconds) * 1000 } ?? []
        if openings.count >= ruleBook.flapGuard.openings {
            guard alert.pendingResolveAt == nil else { return }
            alert.flapping = true
            alert.pendingResolveAt = now + Int64(ruleBook.flapGuard.holdSeconds) * 1000
            alert.updatedAt = now
            state.alerts[id] = alert
            transitions.append(AlertTransition(kind: .updated, alert: alert, actor: "system",
                                               reason: "\(reason); flapping, resolution held for \(ruleBook.flapGuard.holdSeconds) s", at: now))
            return
        }
        transitions.append(resolve(&alert, actor: "system", reason: reason, now: now))
    }

    mutating func resolve(_ alert: inout Alert, actor: String, reason: String, now: Int64) -> AlertTransition {
        alert.state = .resolved
        alert.resolvedBy = actor
        alert.resolvedAt = now
        alert.updatedAt = now
        alert.pendingResolveAt = nil
        state.alerts[alert.id] = nil
        if state.openByKey[alert.key] == alert.id { state.openByKey[alert.key] = nil }
        return AlertTransition(kind: .resolved, alert: alert, actor: actor, reason: reason, at: now)
    }

    mutating func store(_ keyState: KeyState, for key: AlertKey) {
        state.keys[key] = keyState
        changedKeys.insert(key)
        if keyState.pendingSince != nil { pendingFollowUps.insert(key) } else { pendingFollowUps.remove(key) }
    }

    // MARK: - Helpers

    /// Signs of life closer together than this are kept in memory but not marked for persistence.
    static let absencePersistMillis: Int64 = 60_000

    static func scope(_ scope: RuleScope, _ device: Device) -> String {
        switch scope {
        case .device: "device:\(device.id)"
        case .building: "building:\(device.community)/\(device.location.building ?? device.location.zone ?? device.id)"
        case .grid: "grid:\(device.grid)"
        }
    }

    static func reading(_ metric: String, _ value: Double) -> [String: JSONValue] {
        ["metric": .string(metric), "value": .number(value)]
    }

    static func reading(event name: String, _ data: [String: JSONValue]) -> [String: JSONValue] {
        var reading = data
        reading["event"] = .string(name)
        return reading
    }

    /// Whether a message shows life: any message for device-offline rules; for activity rules, movement,
    /// presence, bed or wearable events, or a rising step count.
    static func isSignOfLife(_ message: DeviceMessage, kind: AbsenceKind, lastSteps: inout Double?) -> Bool {
        if kind == .anyMessage {
            if case .status(online: false) = message.body { return false }
            return true
        }
        switch message.body {
        case let .telemetry(metrics):
            var active = false
            if let steps = metrics["steps"] {
                if let previous = lastSteps, steps > previous { active = true }
                lastSteps = steps
            }
            if let motion = metrics["motion_state"], motion >= 2 { active = true }
            if let movement = metrics["body_movement"], movement >= 2 { active = true }
            return active
        case let .event(name, _):
            return ["bed_exit", "bed_enter", "presence_detected", "sos", "sos_cancelled", "wearable_worn"].contains(name)
        case .status:
            return false
        }
    }

    /// `al-<opened ms>-<8 hex of the key><sequence>`: unique (the sequence never repeats), sortable by
    /// time, safe in topics and URLs.
    static func alertID(key: AlertKey, now: Int64, sequence: Int) -> String {
        var hash: UInt32 = 2_166_136_261
        for byte in key.description.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 16_777_619
        }
        let hex = String(hash, radix: 16)
        return "al-\(now)-\(String(repeating: "0", count: 8 - hex.count))\(hex)\(String(sequence, radix: 36))"
    }
}

extension String {
    var trimmingSpaces: Substring {
        var text = Substring(self)
        while let first = text.first, first.isWhitespace { text = text.dropFirst() }
        while let last = text.last, last.isWhitespace { text = text.dropLast() }
        return text
    }
}
