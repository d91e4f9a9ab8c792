import DeviceModel

/// One outbound delivery decided from an alert transition, before it is queued.
public struct PlannedDelivery: Sendable, Hashable {
    public enum Target: String, Sendable, Hashable, Codable {
        case workOrder = "workorder"
        case message
    }

    /// Unique per delivery and stable across replays: sent as `Idempotency-Key`.
    public var idempotencyKey: String
    public var target: Target
    /// `workorder.create`, `message.alert`, `message.escalated`, `message.resolved`.
    public var kind: String
    public var alertID: String
    /// For rate limiting: the recipient's contact (messages only; never logged).
    public var recipient: String?
    public var body: [String: JSONValue]
    /// Work orders: the community, category and 处置时限 deadline, recorded in the work-order table.
    public var workOrder: (community: String, category: String, deadlineAt: Int64)?
    /// Below the target's URL: `/{alertId}/escalate` … (empty for a work order's creation and for messages).
    public var path: String = ""
    /// Sent whatever the recipient's hourly limit (critical alerts; duty staff).
    public var bypassesRateLimit = false
    /// Held until then (a relative's quiet hours), and sent in one digest with whatever else was held.
    public var holdUntil: Int64?
    /// Who on the duty ladder this delivery tells (several for a work-order update naming app assignees).
    public var notices: [DutyNotice] = []
    /// A work order is closed or cancelled locally once this is queued (`closed` / `cancelled`).
    public var closesWorkOrderAs: String?

    public init(idempotencyKey: String, target: Target, kind: String, alertID: String, recipient: String?,
                body: [String: JSONValue], workOrder: (community: String, category: String, deadlineAt: Int64)? = nil) {
        self.idempotencyKey = idempotencyKey
        self.target = target
        self.kind = kind
        self.alertID = alertID
        self.recipient = recipient
        self.body = body
        self.workOrder = workOrder
    }

    public static func == (lhs: PlannedDelivery, rhs: PlannedDelivery) -> Bool {
        lhs.idempotencyKey == rhs.idempotencyKey && lhs.body == rhs.body && lhs.recipient == rhs.recipient
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(idempotencyKey) }
}

/// Decides which deliveries an alert transition causes: the work order and its updates, the duty ladder's
/// messages, relatives' messages. Pure: the same transition always plans the same deliveries with the same
/// idempotency keys, so a replay can never duplicate one downstream.
public struct DeliveryPlanner: Sendable {
    public var policy: ForwardingPolicy
    public var calendar: RuleCalendar
    public var roster: DutyRoster

    public init(policy: ForwardingPolicy, calendar: RuleCalendar, roster: DutyRoster = DutyRoster()) {
        self.policy = policy
        self.calendar = calendar
        self.roster = roster
    }

    public func plan(_ transition: AlertTransition, registry: DeviceRegistry) -> [PlannedDelivery] {
        var deliveries: [PlannedDelivery] = []
        let alert = transition.alert
        let workOrder = policy.workOrders[alert.rule]
        switch transition.kind {
        case .opened:
            let duty = dutyMessages(transition, level: .grid, step: "opened", registry: registry)
            if let workOrder {
                deliveries.append(workOrderDelivery(alert, workOrder, assignees: duty.appNotices, registry: registry))
            }
            deliveries += duty.messages
        case .escalated:
            let step = transition.supervision.map { "supervised-\($0)" } ?? "escalated-\(alert.escalationLevel.name)"
            let duty = dutyMessages(transition, level: alert.escalationLevel, step: step, registry: registry)
            if workOrder != nil { deliveries.append(workOrderEscalation(transition, assignees: duty.appNotices)) }
            deliveries += duty.messages
        case .reminded:
            deliveries += dutyMessages(transition, level: alert.escalationLevel, step: "reminded-\(transition.at)", registry: registry).messages
        case .resolved:
            // Closed by the work-order system itself: nothing to send back.
            if workOrder != nil, transition.fromWorkOrderSystem != true { deliveries.append(workOrderClosure(transition)) }
        case .updated, .acknowledged:
            break
        }
        deliveries += relativeMessages(transition, registry: registry)
        return deliveries
    }
}
