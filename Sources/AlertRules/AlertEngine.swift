import DeviceModel

/// The rule engine: a pure state machine. Given its state, one message (or a clock tick, or an operator
/// command) and `now` (gateway time, epoch ms), it returns the alert transitions to apply. It does no I/O
/// and reads no clock, so tests run days of rule time in milliseconds.
///
/// Device time (`ts`) measures how long a sustained condition held; gateway time (`now`) drives absence,
/// windows, escalation and flapping, so a device with a wrong clock cannot hide its own silence.
public struct AlertEngine: Sendable {
    public internal(set) var ruleBook: RuleBook
    public internal(set) var registry: DeviceRegistry
    public internal(set) var state: EngineState
    public internal(set) var silences: [Silence]
    /// The index of effective rules: each distinct rule (after overrides) is stored once in `ruleTable`, and
    /// each device holds indices into it, shared between devices with the same set. With 100,000 devices
    /// this keeps the index to a few bytes per device instead of copies of every rule.
    var ruleTable: [AlertRule] = []
    var ruleNumbers: [AlertRule: Int32] = [:]
    var ruleSets: [[Int32]: [Int32]] = [:]
    /// By the device's position in the registry's ``DeviceTable`` (8 bytes a device, no hashing slack).
    var rulesByPosition: [[Int32]?] = []
    /// The absence rules of each device, and the positions of the devices that have any, sorted by device
    /// id (deterministic scans).
    var absenceByPosition: [[Int32]?] = []
    var absencePositions: [Int32] = []
    /// Keys whose ``KeyState`` changed since the last ``takeChangedKeys()``.
    var changedKeys: Set<AlertKey> = []
    /// Absence limits are minutes to hours: scanning every device for them once per this many ms (not on
    /// every one-second tick) keeps the tick cheap with 100,000 devices. 0 = every tick (exact; tests).
    /// The daemon uses 5 s, so an absence alert opens within 5 s of its limit.
    public var absenceScanIntervalMillis: Int64 = 0
    var lastAbsenceScan: Int64 = .min
    /// Keys with a trigger waiting for its follow-up: the tick looks at these, not at every key.
    var pendingFollowUps: Set<AlertKey> = []

    public init(ruleBook: RuleBook, registry: DeviceRegistry, state: EngineState, silences: [Silence] = []) {
        self.ruleBook = ruleBook
        self.registry = registry
        self.state = state
        self.silences = silences
        rebuildIndex()
        pendingFollowUps = Set(state.keys.filter { $0.value.pendingSince != nil }.keys)
    }

    /// Increases with every change of the registry, so holders of a copy know to refresh it.
    public internal(set) var registryRevision = 0

    /// A configuration reload: a new rule book, registry and silences, the state kept — open alerts stay open,
    /// and the memory of every (rule, scope) whose rule still exists (sustained windows, absence timers, count
    /// windows, pending follow-ups) carries on. The memory of rules that are gone is dropped.
    public mutating func reconfigure(ruleBook: RuleBook, registry: DeviceRegistry, silences: [Silence]) {
        self.ruleBook = ruleBook
        self.registry = registry
        self.silences = silences
        registryRevision += 1
        ruleTable = []
        ruleNumbers = [:]
        ruleSets = [:]
        rebuildIndex()
        let ruleIDs = Set(ruleBook.rules.map(\.id))
        for key in state.keys.keys where !ruleIDs.contains(key.rule) {
            state.keys[key] = nil
            changedKeys.insert(key)
        }
        pendingFollowUps = Set(state.keys.filter { $0.value.pendingSince != nil }.keys)
    }

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

    func ruleNumbers(of deviceID: String) -> [Int32]? {
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

    mutating func rebuildIndex() {
        rulesByPosition = Array(repeating: nil, count: registry.devices.count)
        absenceByPosition = Array(repeating: nil, count: registry.devices.count)
        // Devices no override names share their type's rules: resolved once a type, not once a device.
        let targets = ruleBook.overrideTargets
        var byType: [DeviceType: (rules: [Int32]?, absence: [Int32]?)] = [:]
        for (position, device) in registry.devices.values.enumerated() {
            let plain = device.state != .decommissioned && !ruleBook.overrides(device, in: targets)
            if plain, let known = byType[device.type] {
                rulesByPosition[position] = known.rules
                absenceByPosition[position] = known.absence
                continue
            }
            index(device, at: position)
            if plain { byType[device.type] = (rulesByPosition[position], absenceByPosition[position]) }
        }
        let devices = registry.devices.values
        absencePositions = absenceByPosition.indices.filter { absenceByPosition[$0] != nil }.map(Int32.init)
            .sorted { devices[Int($0)].id < devices[Int($1)].id }
    }

    /// (Re)computes one device's effective rules.
    mutating func index(_ device: Device, at position: Int) {
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
    func insertionIndex(of id: String, in positions: [Int32]) -> Int {
        let devices = registry.devices.values
        var low = 0, high = positions.count
        while low < high {
            let middle = (low + high) / 2
            if devices[Int(positions[middle])].id < id { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// One stored copy of each distinct rule set.
    mutating func shared(_ numbers: [Int32]) -> [Int32] {
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
        let deviceScope = Self.scope(.device, device)
        // A local reference to the table: a rule read from `self.ruleTable` while `self` is mutated was copied
        // (every string and array in it retained) for each rule of each message.
        let rules = ruleTable
        for number in numbers {
            evaluate(rules[Int(number)], device: device, deviceScope: deviceScope, message: message, now: now, into: &transitions)
        }
        return transitions
    }
}
