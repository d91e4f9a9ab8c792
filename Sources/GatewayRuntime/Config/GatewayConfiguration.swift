import AlertRules
import DeviceModel

/// Everything `devices.yaml` says: the registry, the rules, the configured silences, forwarding and API tokens.
public struct GatewayConfiguration: Sendable {
    public var registry: DeviceRegistry
    public var ruleBook: RuleBook
    public var silences: [Silence]
    public var forwarding: ForwardingPolicy
    public var apiTokens: [APIToken]

    public init(registry: DeviceRegistry, ruleBook: RuleBook = RuleBook(rules: []), silences: [Silence] = [],
                forwarding: ForwardingPolicy = ForwardingPolicy(), apiTokens: [APIToken] = []) {
        self.registry = registry
        self.ruleBook = ruleBook
        self.silences = silences
        self.forwarding = forwarding
        self.apiTokens = apiTokens
    }
}
