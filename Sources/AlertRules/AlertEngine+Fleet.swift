import DeviceModel

extension AlertEngine {
    /// Adds or replaces many validated devices at once (a fleet import), with the effect of
    /// ``upsert(device:now:actor:)`` for each: new or re-activated devices start their absence timers at `now` (in
    /// memory; see below),
    /// decommissioned ones have their open alerts resolved (by `actor`) and their condition memory dropped. The
    /// sorted absence list is rebuilt once, and open alerts and keys are walked once, not once per device: linear
    /// (plus one sort) in 100,000 rows.
    public mutating func upsert(devices: [Device], now: Int64, actor: String = "system") -> [AlertTransition] {
        guard !devices.isEmpty else { return [] }
        var decommissioned: Set<String> = [], decommissionedScopes: Set<String> = []
        for device in devices {
            let wasActive = registry.device(device.id).map { $0.state != .decommissioned } ?? false
            registry.upsert(device)
            guard let position = registry.devices.position(of: device.id) else { continue }
            index(device, at: position)
            if device.state == .decommissioned {
                if wasActive {
                    decommissioned.insert(device.id)
                    decommissionedScopes.insert(Self.scope(.device, device))
                }
                continue
            }
            guard !wasActive, let numbers = absenceByPosition[position] else { continue }
            for number in numbers {
                let key = AlertKey(rule: ruleTable[Int(number)].id, scope: Self.scope(.device, device))
                guard var keyState = state.keys[key] else {
                    // A timer that only says "not heard from since the import" is kept in memory, not persisted:
                    // 100,000 of them would slow the import and every later start, and a restart starts the timers
                    // of devices never heard from anyway (as for devices.yaml's).
                    var fresh = KeyState()
                    fresh.lastActivity = now
                    state.keys[key] = fresh
                    continue
                }
                keyState.lastActivity = now
                store(keyState, for: key)
            }
        }
        registryRevision += 1
        let values = registry.devices.values
        absencePositions = absenceByPosition.indices.filter { absenceByPosition[$0] != nil }.map(Int32.init)
            .sorted { values[Int($0)].id < values[Int($1)].id }
        guard !decommissioned.isEmpty else { return [] }
        var transitions: [AlertTransition] = []
        for id in state.alerts.values.filter({ decommissioned.contains($0.device) }).map(\.id).sorted() {
            guard var alert = state.alerts[id] else { continue }
            transitions.append(resolve(&alert, actor: actor, reason: "device decommissioned", now: now))
        }
        for key in state.keys.keys where decommissionedScopes.contains(key.scope) {
            state.keys[key] = nil
            changedKeys.insert(key)
            pendingFollowUps.remove(key)
        }
        return transitions
    }
}
