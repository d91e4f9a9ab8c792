import AlertRules
import DeviceModel

/// Everything `devices.yaml` says: the registry, the rules and the configured silences.
public struct GatewayConfiguration: Sendable {
    public var registry: DeviceRegistry
    public var ruleBook: RuleBook
    public var silences: [Silence]

    public init(registry: DeviceRegistry, ruleBook: RuleBook = RuleBook(rules: []), silences: [Silence] = []) {
        self.registry = registry
        self.ruleBook = ruleBook
        self.silences = silences
    }
}
