import DeviceModel

/// Evaluation of one message against one rule, by condition family (threshold, sustained, event, count,
/// absence's signs of life, correlation).
extension AlertEngine {
    /// `deviceScope` is `scope(.device, device)`, made once a message rather than once a rule.
    mutating func evaluate(
        _ rule: AlertRule, device: Device, deviceScope: String, message: DeviceMessage, now: Int64, into transitions: inout [AlertTransition]
    ) {
        let inWindow = rule.window.map { $0.contains(now, calendar: ruleBook.calendar) } ?? true
        switch rule.condition {
        case let .threshold(bound):
            guard case let .telemetry(metrics) = message.body, let value = metrics[bound.metric] else { return }
            let key = AlertKey(rule: rule.id, scope: deviceScope)
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
            let key = AlertKey(rule: rule.id, scope: deviceScope)
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
            let key = AlertKey(rule: rule.id, scope: deviceScope)
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
            let key = AlertKey(rule: rule.id, scope: deviceScope)
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
            let key = AlertKey(rule: rule.id, scope: deviceScope)
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
}
