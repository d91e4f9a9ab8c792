import AlertRules
import DeviceModel

/// Everything `devices.yaml` says: the registry, the rules, the configured silences, forwarding, API tokens and the duty roster.
public struct GatewayConfiguration: Sendable {
    public var registry: DeviceRegistry
    public var ruleBook: RuleBook
    public var silences: [Silence]
    public var forwarding: ForwardingPolicy
    public var apiTokens: [APIToken]
    /// Who is on duty at each rung of the escalation ladder.
    public var dutyRoster: DutyRoster
    /// How long records are kept (`settings.retention`).
    public var retention: RetentionPolicy

    public init(registry: DeviceRegistry, ruleBook: RuleBook = RuleBook(rules: []), silences: [Silence] = [],
                forwarding: ForwardingPolicy = ForwardingPolicy(), apiTokens: [APIToken] = [], dutyRoster: DutyRoster = DutyRoster(),
                retention: RetentionPolicy = RetentionPolicy()) {
        self.dutyRoster = dutyRoster
        self.retention = retention
        self.registry = registry
        self.ruleBook = ruleBook
        self.silences = silences
        self.forwarding = forwarding
        self.apiTokens = apiTokens
    }
}
