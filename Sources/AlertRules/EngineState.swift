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
public struct KeyState: Sendable, Hashable, Codable {
    /// Threshold/sustained: whether the value is beyond the trigger (latched until it clears).
    public var active = false
    /// Sustained: device `ts` since which samples have been beyond the trigger.
    public var since: Int64?
    /// Absence: gateway time of the last sign of life.
    public var lastActivity: Int64?
    /// Absence of activity: the last step count seen, so that only an increase counts.
    public var lastSteps: Double?
    /// Count: gateway times of matching events within the window.
    public var hits: [Int64] = []
    /// Missing follow-up: gateway time of the trigger still waiting for its follow-up.
    public var pendingSince: Int64?
    /// Correlation: gateway time each part was last seen.
    public var seen: [Int64?] = []
    /// Flapping guard: gateway times this key opened an alert, within the guard's window.
    public var openings: [Int64] = []

    public init() {}

    var isEmpty: Bool { self == KeyState() }
}

/// Why an operator command on an alert was refused.
public enum AlertCommandError: Error, Sendable, Hashable, CustomStringConvertible {
    case notFound(String)
    case alreadyResolved(String)
    case noteRequired

    public var description: String {
        switch self {
        case let .notFound(id): "no open alert \(id)"
        case let .alreadyResolved(id): "alert \(id) is already resolved"
        case .noteRequired: "resolving an alert needs a note saying what was done"
        }
    }
}
