/// Everything the engine remembers between calls, persisted by the shell so that open alerts, sustained
/// and absence timers and count windows survive a restart.
public struct EngineState: Sendable, Hashable, Codable {
    /// Open and acknowledged alerts by id (resolved ones leave the state; the database keeps them).
    public var alerts: [String: Alert] = [:]
    public var openByKey: [AlertKey: String] = [:]
    /// Per (rule, scope) condition memory.
    public var keys: [AlertKey: KeyState] = [:]
    /// When the engine first ran: the baseline for absence timers of devices never heard from.
    public var startedAt: Int64
    /// Rule hits that a silence kept from opening an alert.
    public var suppressedHits: Int = 0
    /// Alerts opened so far: part of each alert id, so ids never repeat (even within one millisecond).
    public var openedCount: Int = 0

    public init(startedAt: Int64) {
        self.startedAt = startedAt
    }
}

/// The memory of one (rule, scope).
///
/// There is one per (rule, device) for every absence rule, so 100,000 devices hold well over 100,000 of
/// these in a hash map: the optionals are stored as sentinels, which keeps the value at 64 bytes
/// instead of 96. The public properties and the persisted JSON are those of plain optionals.
public struct KeyState: Sendable, Hashable, Codable {
    /// Threshold/sustained: device `ts` since which samples have been beyond the trigger.
    public var since: Int64? {
        get { storedSince == Self.none ? nil : storedSince }
        set { storedSince = newValue ?? Self.none }
    }
    /// Absence: gateway time of the last sign of life.
    public var lastActivity: Int64? {
        get { storedLastActivity == Self.none ? nil : storedLastActivity }
        set { storedLastActivity = newValue ?? Self.none }
    }
    /// Absence of activity: the last step count seen, so that only an increase counts.
    public var lastSteps: Double? {
        get { storedLastSteps == Self.noSteps ? nil : Double(bitPattern: storedLastSteps) }
        set { storedLastSteps = newValue?.bitPattern ?? Self.noSteps }
    }
    /// Missing follow-up: gateway time of the trigger still waiting for its follow-up.
    public var pendingSince: Int64? {
        get { storedPendingSince == Self.none ? nil : storedPendingSince }
        set { storedPendingSince = newValue ?? Self.none }
    }
    /// Count: gateway times of matching events within the window.
    public var hits: [Int64] = []
    /// Correlation: gateway time each part was last seen.
    public var seen: [Int64?] = []
    /// Flapping guard: gateway times this key opened an alert, within the guard's window.
    public var openings: [Int64] = []
    /// Threshold/sustained: whether the value is beyond the trigger (latched until it clears).
    public var active = false

    private var storedSince = KeyState.none
    private var storedLastActivity = KeyState.none
    private var storedPendingSince = KeyState.none
    private var storedLastSteps = KeyState.noSteps

    private static let none = Int64.min
    /// A NaN payload no arithmetic produces: "no step count seen".
    private static let noSteps: UInt64 = 0x7FF8_DEAD_BEEF_0001

    public init() {}

    var isEmpty: Bool { self == KeyState() }

    enum CodingKeys: String, CodingKey {
        case active, since, lastActivity, lastSteps, hits, pendingSince, seen, openings
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        active = try container.decodeIfPresent(Bool.self, forKey: .active) ?? false
        since = try container.decodeIfPresent(Int64.self, forKey: .since)
        lastActivity = try container.decodeIfPresent(Int64.self, forKey: .lastActivity)
        lastSteps = try container.decodeIfPresent(Double.self, forKey: .lastSteps)
        hits = try container.decodeIfPresent([Int64].self, forKey: .hits) ?? []
        pendingSince = try container.decodeIfPresent(Int64.self, forKey: .pendingSince)
        seen = try container.decodeIfPresent([Int64?].self, forKey: .seen) ?? []
        openings = try container.decodeIfPresent([Int64].self, forKey: .openings) ?? []
    }

    /// The JSON ``encode(to:)`` writes (same keys, same order), written by hand: the ingest path persists
    /// changed keys with every batch, and JSONEncoder was most of that cost. ``init(from:)`` reads it back.
    public var persistedJSON: String {
        var json = "{\"active\":\(active)"
        if let since { json += ",\"since\":\(since)" }
        if let lastActivity { json += ",\"lastActivity\":\(lastActivity)" }
        if let lastSteps, lastSteps.isFinite {
            json += ",\"lastSteps\":" + (lastSteps.rounded() == lastSteps && abs(lastSteps) < 1e15 ? String(Int64(lastSteps)) : "\(lastSteps)")
        }
        json += ",\"hits\":[" + hits.map(String.init).joined(separator: ",") + "]"
        if let pendingSince { json += ",\"pendingSince\":\(pendingSince)" }
        json += ",\"seen\":[" + seen.map { $0.map(String.init) ?? "null" }.joined(separator: ",") + "]"
        json += ",\"openings\":[" + openings.map(String.init).joined(separator: ",") + "]}"
        return json
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(active, forKey: .active)
        try container.encodeIfPresent(since, forKey: .since)
        try container.encodeIfPresent(lastActivity, forKey: .lastActivity)
        try container.encodeIfPresent(lastSteps, forKey: .lastSteps)
        try container.encode(hits, forKey: .hits)
        try container.encodeIfPresent(pendingSince, forKey: .pendingSince)
        try container.encode(seen, forKey: .seen)
        try container.encode(openings, forKey: .openings)
    }
}

/// Why an operator command on an alert was refused.
public enum AlertCommandError: Error, Sendable, Hashable, CustomStringConvertible {
    case notFound(String)
    case alreadyResolved(String)
    case noteRequired
    case categoryRequired

    public var description: String {
        switch self {
        case let .notFound(id): "no open alert \(id)"
        case let .alreadyResolved(id): "alert \(id) is already resolved"
        case .noteRequired: "resolving an alert needs a note saying what was done"
        case .categoryRequired: "resolving an alert needs a category: \(ResolutionCategory.choices)"
        }
    }
}
