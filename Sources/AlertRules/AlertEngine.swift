import DeviceModel

/// The rule engine: a pure state machine. Given its state, one message (or a clock tick, or an operator
/// command) and `now` (gateway time, epoch ms), it returns the alert transitions to apply. It does no I/O
/// and reads no clock, so tests run days of rule time in milliseconds.
///
/// Device time (`ts`) measures how long a sustained condition held; gateway time (`now`) drives absence,
/// windows, escalation and flapping, so a device with a wrong clock cannot hide its own silence.
public struct AlertEngine: Sendable {
    public private(set) var ruleBook: RuleBook
    public private(set) var registry: DeviceRegistry
    public private(set) var state: EngineState
    public private(set) var silences: [Silence]
    /// The index of effective rules: each distinct rule (after overrides) is stored once in `ruleTable`, and
    /// each device holds indices into it, shared between devices with the same set. With 100,000 devices
    /// this keeps the index to a few bytes per device instead of copies of every rule.
    private var ruleTable: [AlertRule] = []
    private var ruleNumbers: [AlertRule: Int32] = [:]
    private var ruleSets: [[Int32]: [Int32]] = [:]
    /// By the device's position in the registry's ``DeviceTable`` (8 bytes a device, no hashing slack).
    private var rulesByPosition: [[Int32]?] = []
    /// The absence rules of each device, and the positions of the devices that have any, sorted by device
    /// id (deterministic scans).
    private var absenceByPosition: [[Int32]?] = []
    private var absencePositions: [Int32] = []
    /// Keys whose ``KeyState`` changed since the last ``takeChangedKeys()``.
    private var changedKeys: Set<AlertKey> = []
    /// Absence limits are minutes to hours: scanning every device for them once per this many ms (not on
    /// every one-second tick) keeps the tick cheap with 100,000 devices. 0 = every tick (exact; tests).
    /// The daemon uses 5 s, so an absence alert opens within 5 s of its limit.
    public var absenceScanIntervalMillis: Int64 = 0
    private var lastAbsenceScan: Int64 = .min
    /// Keys with a trigger waiting for its follow-up: the tick looks at these, not at every key.
    private var pendingFollowUps: Set<AlertKey> = []

    public init(ruleBook: RuleBook, registry: DeviceRegistry, state: EngineState, silences: [Silence] = []) {
        self.ruleBook = ruleBook
        self.registry = registry
        self.state = state
        self.silences = silences
        rebuildIndex()
        pendingFollowUps = Set(state.keys.filter { $0.value.pendingSince != nil }.keys)
    }

    /// Increases with every change of the registry, so holders of a copy know to refresh it.
    public private(set) var registryRevision = 0

    /// Replaces the registry (a device registered, changed or decommissioned at run time).
    public mutating func update(registry: DeviceRegistry) {
        self.registry = registry
        registryRevision += 1
        rebuildIndex()
    }

    /// Adds or replaces one (validated) device and its rules, without re-indexing the others, at gateway
    /// time `now`:
    /// - a device that gains absence rules (registered, or back from decommissioning) starts its timers now,
    ///   not at the engine's first start: it cannot be "offline" before it could report;
    /// - a decommissioned device's open alerts are resolved (by `actor`) and its condition memory dropped:
    ///   a device that is gone cannot be handled in the field, and must not escalate.
    public mutating func upsert(device: Device, now: Int64, actor: String = "system") -> [AlertTransition] {
        let wasActive = registry.device(device.id).map { $0.state != .decommissioned } ?? false
        registry.upsert(device)
        registryRevision += 1
        guard let position = registry.devices.position(of: device.id) else { return [] }
        let hadAbsence = position < absenceByPosition.count && absenceByPosition[position] != nil
        index(device, at: position)
        let hasAbsence = absenceByPosition[position] != nil
        if hadAbsence != hasAbsence {
            if hasAbsence {
                absencePositions.insert(Int32(position), at: insertionIndex(of: device.id, in: absencePositions))
            } else {
                absencePositions.removeAll { $0 == Int32(position) }
            }
        }
        if device.state == .decommissioned {
            var transitions: [AlertTransition] = []
            for id in state.alerts.values.filter({ $0.device == device.id }).map(\.id).sorted() {
                guard var alert = state.alerts[id] else { continue }
                transitions.append(resolve(&alert, actor: actor, reason: "device decommissioned", now: now))
            }
            let scope = Self.scope(.device, device)
            for key in state.keys.keys where key.scope == scope {
                state.keys[key] = nil
                changedKeys.insert(key)
                pendingFollowUps.remove(key)
            }
            return transitions
        }
        if !wasActive, let numbers = absenceByPosition[position] {
            for number in numbers {
                let key = AlertKey(rule: ruleTable[Int(number)].id, scope: Self.scope(.device, device))
                var keyState = state.keys[key] ?? KeyState()
                keyState.lastActivity = now
                store(keyState, for: key)
            }
        }
        return []
    }

    public mutating func update(silences: [Silence]) { self.silences = silences }

    public func rules(for deviceID: String) -> [AlertRule] { (ruleNumbers(of: deviceID) ?? []).map { ruleTable[Int($0)] } }

    private func ruleNumbers(of deviceID: String) -> [Int32]? {
        guard let position = registry.devices.position(of: deviceID), position < rulesByPosition.count else { return nil }
        return rulesByPosition[position]
    }

    /// The changed key states since the last call (`nil` = forget the key), for the shell to persist.
    public mutating func takeChangedKeys() -> [AlertKey: KeyState?] {
        defer { changedKeys.removeAll(keepingCapacity: true) }
        var result: [AlertKey: KeyState?] = [:]
        for key in changedKeys {
            let keyState = state.keys[key]
            result[key] = (keyState?.isEmpty ?? true) ? .some(nil) : keyState
        }
        return result
    }

    private mutating func rebuildIndex() {
        rulesByPosition = Array(repeating: nil, count: registry.devices.count)
        absenceByPosition = Array(repeating: nil, count: registry.devices.count)
        for (position, device) in registry.devices.values.enumerated() { index(device, at: position) }
        let devices = registry.devices.values
        absencePositions = absenceByPosition.indices.filter { absenceByPosition[$0] != nil }.map(Int32.init)
            .sorted { devices[Int($0)].id < devices[Int($1)].id }
    }

    /// (Re)computes one device's effective rules.
    private mutating func index(_ device: Device, at position: Int) {
        while rulesByPosition.count <= position {
            rulesByPosition.append(nil)
            absenceByPosition.append(nil)
        }
        rulesByPosition[position] = nil
        absenceByPosition[position] = nil
        guard device.state != .decommissioned else { return }
        let numbers = ruleBook.rules(for: device).map { rule -> Int32 in
            if let number = ruleNumbers[rule] { return number }
            let number = Int32(ruleTable.count)
            ruleTable.append(rule)
            ruleNumbers[rule] = number
            return number
        }
        rulesByPosition[position] = shared(numbers)
        let absence = numbers.filter { if case .absence = ruleTable[Int($0)].condition { true } else { false } }
        if !absence.isEmpty { absenceByPosition[position] = shared(absence) }
    }

    /// Where the device `id` belongs among `positions` sorted by device id (binary search).
    private func insertionIndex(of id: String, in positions: [Int32]) -> Int {
        let devices = registry.devices.values
        var low = 0, high = positions.count
        while low < high {
            let middle = (low + high) / 2
            if devices[Int(positions[middle])].id < id { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// One stored copy of each distinct rule set.
    private mutating func shared(_ numbers: [Int32]) -> [Int32] {
        if let existing = ruleSets[numbers] { return existing }
        ruleSets[numbers] = numbers
        return numbers
    }

    // MARK: - Messages

    /// Evaluates every rule of the sending device against one accepted message.
    public mutating func receive(_ message: DeviceMessage, now: Int64) -> [AlertTransition] {
        guard let position = registry.devices.position(of: message.deviceID), position < rulesByPosition.count,
              let numbers = rulesByPosition[position] else { return [] }
        let device = registry.devices.values[position]
        var transitions: [AlertTransition] = []
        for number in numbers {
            evaluate(ruleTable[Int(number)], device: device, message: message, now: now, into: &transitions)
        }
        return transitions
    }

    private mutating func evaluate(
        _ rule: AlertRule, device: Device, message: DeviceMessage, now: Int64, into transitions: inout [AlertTransition]
    ) {
        let inWindow = rule.window.map { $0.contains(now, calendar: ruleBook.calendar) } ?? true
        switch rule.condition {
        case let .threshold(bound):
            guard case let .telemetry(metrics) = message.body, let value = metrics[bound.metric] else { return }
            let key = AlertKey(rule: rule.id, scope: Self.scope(.device, device))
            var keyState = state.keys[key] ?? KeyState()
            if !keyState.active, bound.triggers(value), inWindow {
                // A silenced hit does not latch: the first sample after the silence raises.
                if raise(rule, key: key, device: device, reading: Self.reading(bound.metric, value), sourceTS: message.ts, now: now, into: &transitions) {
                    keyState.openings = state.keys[key]?.openings ?? []
                    keyState.active = true
                    store(keyState, for: key)
                }
            } else if keyState.active, bound.clears(value) {
                keyState.active = false
                store(keyState, for: key)
                clear(rule, key: key, now: now, reason: "\(bound.metric) back within limits", into: &transitions)
            }

        case let .sustained(bound, seconds):
            guard case let .telemetry(metrics) = message.body, let value = metrics[bound.metric] else { return }
            let key = AlertKey(rule: rule.id, scope: Self.scope(.device, device))
            var keyState = state.keys[key] ?? KeyState()
            if keyState.active {
                if bound.clears(value) {
                    keyState.active = false
                    keyState.since = nil
                    store(keyState, for: key)
                    clear(rule, key: key, now: now, reason: "\(bound.metric) back within limits", into: &transitions)
                }
            } else if bound.triggers(value) {
                // A device clock that jumps backwards restarts the window rather than stretching it.
                if keyState.since == nil || message.ts < keyState.since! { keyState.since = message.ts }
                if message.ts - keyState.since! >= Int64(seconds) * 1000, inWindow,
                   raise(rule, key: key, device: device, reading: Self.reading(bound.metric, value), sourceTS: message.ts, now: now, into: &transitions) {
                    keyState.openings = state.keys[key]?.openings ?? []
                    keyState.active = true
                    store(keyState, for: key)
                } else {
                    store(keyState, for: key)
                }
            } else if keyState.since != nil {
                keyState.since = nil
                store(keyState, for: key)
            }

        case let .event(match, resolveOn):
            guard case let .event(name, data) = message.body else { return }
            let key = AlertKey(rule: rule.id, scope: Self.scope(.device, device))
            if match.matches(name, data), inWindow {
                raise(rule, key: key, device: device, reading: Self.reading(event: name, data), sourceTS: message.ts, now: now, into: &transitions)
            } else if resolveOn.contains(name) {
                clear(rule, key: key, now: now, reason: "device reported \(name)", into: &transitions)
            }

        case let .count(match, count, seconds, scope):
            guard case let .event(name, data) = message.body, match.matches(name, data) else { return }
            let key = AlertKey(rule: rule.id, scope: Self.scope(scope, device))
            var keyState = state.keys[key] ?? KeyState()
            keyState.hits = keyState.hits.filter { now - $0 < Int64(seconds) * 1000 } + [now]
            store(keyState, for: key)
            if keyState.hits.count >= count, inWindow {
                var reading = Self.reading(event: name, [:])
                reading["count"] = .number(Double(keyState.hits.count))
                reading["window_s"] = .number(Double(seconds))
                raise(rule, key: key, device: device, reading: reading, sourceTS: message.ts, now: now, into: &transitions)
            }

        case let .absence(kind, _, _):
            let key = AlertKey(rule: rule.id, scope: Self.scope(.device, device))
            var keyState = state.keys[key] ?? KeyState()
            if kind == .anyMessage, case .status(online: false) = message.body {
                if inWindow {
                    raise(rule, key: key, device: device, reading: ["status": .string("offline")], sourceTS: message.ts, now: now, into: &transitions)
                }
                return
            }
            guard Self.isSignOfLife(message, kind: kind, lastSteps: &keyState.lastSteps) else {
                store(keyState, for: key)
                return
            }
            // Persisting every heartbeat would write one row per message; a minute of imprecision after
            // a restart is nothing against limits of many minutes. The in-memory state is always exact.
            let persisted = keyState.lastActivity
            keyState.lastActivity = now
            if let persisted, now - persisted < Self.absencePersistMillis, now >= persisted, state.openByKey[key] == nil {
                state.keys[key] = keyState
            } else {
                store(keyState, for: key)
            }
            clear(rule, key: key, now: now, reason: kind == .anyMessage ? "device reporting again" : "activity detected", into: &transitions)

        case let .missingFollowUp(trigger, expect, _):
            guard case let .event(name, data) = message.body else { return }
            let key = AlertKey(rule: rule.id, scope: Self.scope(.device, device))
            var keyState = state.keys[key] ?? KeyState()
            if expect.matches(name, data) {
                keyState.pendingSince = nil
                store(keyState, for: key)
                clear(rule, key: key, now: now, reason: "\(name) reported", into: &transitions)
            } else if trigger.matches(name, data), inWindow, keyState.pendingSince == nil {
                keyState.pendingSince = now
                store(keyState, for: key)
            }

        case let .correlation(parts, seconds, scope):
            guard case let .event(name, data) = message.body else { return }
            guard let index = parts.firstIndex(where: { $0.matches(name, data) }) else { return }
            let key = AlertKey(rule: rule.id, scope: Self.scope(scope, device))
            var keyState = state.keys[key] ?? KeyState()
            if keyState.seen.count != parts.count { keyState.seen = Array(repeating: nil, count: parts.count) }
            keyState.seen[index] = now
            store(keyState, for: key)
            let window = Int64(seconds) * 1000
            if inWindow, keyState.seen.allSatisfy({ $0.map { now - $0 <= window } ?? false }) {
                var reading = Self.reading(event: name, [:])
                reading["parts"] = .number(Double(parts.count))
                raise(rule, key: key, device: device, reading: reading, sourceTS: message.ts, now: now, into: &transitions)
            }
        }
    }

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
            guard alert.state == .open else { continue }
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
        if let note, !note.isEmpty { alert.note = note }
        state.alerts[id] = alert
        return AlertTransition(kind: .acknowledged, alert: alert, actor: actor, reason: note ?? "acknowledged", at: now)
    }

    public mutating func resolve(_ id: String, by actor: String, note: String, now: Int64) throws(AlertCommandError) -> AlertTransition {
        guard !note.trimmingSpaces.isEmpty else { throw .noteRequired }
        guard var alert = state.alerts[id] else { throw .notFound(id) }
        alert.note = note
        return resolve(&alert, actor: actor, reason: note, now: now)
    }

    /// The open alert of `key`, if any.
    public func openAlert(_ key: AlertKey) -> Alert? { state.openByKey[key].flatMap { state.alerts[$0] } }

    // MARK: - Transitions

    /// Opens an alert for `key`, or updates the open one. Returns `false` when a silence kept it closed.
    @discardableResult
    private mutating func raise(
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

    private mutating func clear(_ rule: AlertRule, key: AlertKey, now: Int64, reason: String, into transitions: inout [AlertTransition]) {
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

    private mutating func resolve(_ alert: inout Alert, actor: String, reason: String, now: Int64) -> AlertTransition {
        alert.state = .resolved
        alert.resolvedBy = actor
        alert.resolvedAt = now
        alert.updatedAt = now
        alert.pendingResolveAt = nil
        state.alerts[alert.id] = nil
        if state.openByKey[alert.key] == alert.id { state.openByKey[alert.key] = nil }
        return AlertTransition(kind: .resolved, alert: alert, actor: actor, reason: reason, at: now)
    }

    private mutating func store(_ keyState: KeyState, for key: AlertKey) {
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
