/// One change of an alert, with who made it and why: the audit trail, and what is published.
public struct AlertTransition: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        case opened
        /// The rule fired again while the alert was open (count and last-seen change), or a flapping hold.
        case updated
        case acknowledged
        case escalated
        /// Acknowledged but still unresolved after the rule's `reminder_after`: the acknowledging level is reminded.
        case reminded
        case resolved
    }

    public var kind: Kind
    /// The alert as it is after the transition.
    public var alert: Alert
    /// `system` for rule-driven changes, otherwise the operator or token that acted.
    public var actor: String
    /// Why, in words for the audit trail (no personal data).
    public var reason: String
    public var at: Int64
    /// Set when the work-order system itself closed the work order (its status callback): nothing is sent back.
    public var fromWorkOrderSystem: Bool?
    /// Set by a 督办 (supervision of an overdue work order): its number, 1 for the first.
    public var supervision: Int?

    public init(kind: Kind, alert: Alert, actor: String, reason: String, at: Int64) {
        self.kind = kind
        self.alert = alert
        self.actor = actor
        self.reason = reason
        self.at = at
    }
}
